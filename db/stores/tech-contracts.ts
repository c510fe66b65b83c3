import { type Kysely, type Selectable, sql } from "kysely";
import type { ContractListFilter } from "../../src/domain/ports.ts";
import type {
  Approval,
  ContractStatus,
  ContractType,
  Flow,
  IpType,
  PartyKind,
  TechContractRecord,
  TechField,
} from "../../src/domain/tech-contract.ts";
import type { Database, TechContractsTable } from "../schema.ts";

export function toTechContract(row: Selectable<TechContractsTable>): TechContractRecord {
  return {
    id: row.id,
    status: row.status as ContractStatus,
    title: row.title,
    contractNumber: row.contract_number,
    type: row.type as ContractType,
    subType: row.sub_type,
    equityContribution: row.equity_contribution === 1,
    seller: {
      organizationId: row.seller_organization_id,
      name: row.seller_name,
      creditCode: row.seller_credit_code,
      kind: row.seller_kind as PartyKind,
      regionCode: row.seller_region,
    },
    buyer: {
      organizationId: row.buyer_organization_id,
      name: row.buyer_name,
      creditCode: row.buyer_credit_code,
      kind: row.buyer_kind as PartyKind,
      regionCode: row.buyer_region,
    },
    signedOn: row.signed_on,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    totalFen: row.total_fen,
    technologyFen: row.technology_fen,
    techField: row.tech_field as TechField,
    ipType: row.ip_type as IpType,
    achievementIds: JSON.parse(row.achievement_ids) as string[],
    flow: row.flow as Flow,
    large: row.large === 1,
    submittedAt: row.submitted_at,
    submittedByOrganizationId: row.submitted_by_organization_id,
    submittedByKeyId: row.submitted_by_key_id,
    submittedByHolder: row.submitted_by_holder,
    reviewStartedOn: row.review_started_on,
    approvals: JSON.parse(row.approvals) as Approval[],
    decisionReason: row.decision_reason,
    registrationYear: row.registration_year,
    registrationSerial: row.registration_serial,
    registrationNumber: row.registration_number,
    registeredOn: row.registered_on,
    endedOn: row.ended_on,
    endReason: row.end_reason,
    revision: row.revision,
    updatedAt: row.updated_at,
  };
}

function toRow(r: TechContractRecord): TechContractsTable {
  return {
    id: r.id,
    status: r.status,
    title: r.title,
    contract_number: r.contractNumber,
    type: r.type,
    sub_type: r.subType,
    equity_contribution: r.equityContribution ? 1 : 0,
    seller_organization_id: r.seller.organizationId,
    seller_name: r.seller.name,
    seller_credit_code: r.seller.creditCode,
    seller_kind: r.seller.kind,
    seller_region: r.seller.regionCode,
    buyer_organization_id: r.buyer.organizationId,
    buyer_name: r.buyer.name,
    buyer_credit_code: r.buyer.creditCode,
    buyer_kind: r.buyer.kind,
    buyer_region: r.buyer.regionCode,
    signed_on: r.signedOn,
    valid_from: r.validFrom,
    valid_to: r.validTo,
    total_fen: r.totalFen,
    technology_fen: r.technologyFen,
    tech_field: r.techField,
    ip_type: r.ipType,
    achievement_ids: JSON.stringify(r.achievementIds),
    flow: r.flow,
    large: r.large ? 1 : 0,
    submitted_at: r.submittedAt,
    submitted_by_organization_id: r.submittedByOrganizationId,
    submitted_by_key_id: r.submittedByKeyId,
    submitted_by_holder: r.submittedByHolder,
    review_started_on: r.reviewStartedOn,
    approvals: JSON.stringify(r.approvals),
    decision_reason: r.decisionReason,
    registration_year: r.registrationYear,
    registration_serial: r.registrationSerial,
    registration_number: r.registrationNumber,
    registered_on: r.registeredOn,
    ended_on: r.endedOn,
    end_reason: r.endReason,
    revision: r.revision,
    updated_at: r.updatedAt,
  };
}

export function insertTechContract(db: Kysely<Database>, r: TechContractRecord) {
  return db.insertInto("tech_contracts").values(toRow(r)).compile();
}

export function updateTechContract(db: Kysely<Database>, r: TechContractRecord) {
  const { id, ...rest } = toRow(r);
  return db.updateTable("tech_contracts").set(rest).where("id", "=", id).compile();
}

export async function findTechContract(db: Kysely<Database>, id: string) {
  const row = await db.selectFrom("tech_contracts").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toTechContract(row) : undefined;
}

/** The contract with this seller and number that is not rejected: one lookup in a partial unique index. */
export function liveByNumberQuery(db: Kysely<Database>, sellerCreditCode: string, contractNumber: string) {
  return (
    db
      .selectFrom("tech_contracts")
      .selectAll()
      .where("seller_credit_code", "=", sellerCreditCode)
      .where("contract_number", "=", contractNumber)
      // A literal, not a parameter: then any SQLite sees that the partial index
      // tech_contracts_one_live_number (WHERE status <> 'rejected') answers this. Bound as a
      // parameter it is usable only where SQLite re-plans with the bound value (STAT4 builds,
      // re-preparing the statement on every call), and elsewhere every recording scans the table.
      .where("status", "<>", sql.lit("rejected"))
  );
}

export async function findLiveByNumber(db: Kysely<Database>, sellerCreditCode: string, contractNumber: string) {
  const row = await liveByNumberQuery(db, sellerCreditCode, contractNumber).executeTakeFirst();
  return row ? toTechContract(row) : undefined;
}

/** The highest serial of a registration year, from the covering UNIQUE (registration_year, registration_serial) index. */
export function maxSerialQuery(db: Kysely<Database>, year: number) {
  return db
    .selectFrom("tech_contracts")
    .select((eb) => eb.fn.max("registration_serial").as("serial"))
    .where("registration_year", "=", year);
}

export async function maxRegistrationSerial(db: Kysely<Database>, year: number): Promise<number> {
  const row = await maxSerialQuery(db, year).executeTakeFirst();
  return Number(row?.serial ?? 0);
}

export async function listTechContracts(db: Kysely<Database>, filter: ContractListFilter) {
  let query = db.selectFrom("tech_contracts").selectAll().orderBy("id", "asc").limit(filter.limit);
  if (filter.visibleTo) {
    const org = filter.visibleTo;
    query = query.where((eb) => eb.or([eb("seller_organization_id", "=", org), eb("buyer_organization_id", "=", org)]));
  }
  if (filter.party) {
    const org = filter.party;
    query = query.where((eb) => eb.or([eb("seller_organization_id", "=", org), eb("buyer_organization_id", "=", org)]));
  }
  if (filter.afterId) query = query.where("id", ">", filter.afterId);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.type) query = query.where("type", "=", filter.type);
  if (filter.registeredFrom) query = query.where("registered_on", ">=", filter.registeredFrom);
  if (filter.registeredTo) query = query.where("registered_on", "<=", filter.registeredTo);
  if (filter.reviewStartedBefore) {
    query = query.where("status", "=", "submitted").where("review_started_on", "<", filter.reviewStartedBefore);
  }
  return (await query.execute()).map(toTechContract);
}
