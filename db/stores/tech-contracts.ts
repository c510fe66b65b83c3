import { type Kysely, sql } from "kysely";
import type { ContractListFilter } from "../../src/domain/ports.ts";
import type { TechContractRecord } from "../../src/domain/tech-contracts/tech-contract.ts";
import type { Database } from "../schema.ts";
import { compiledOnce, rowsOf } from "./compiled-once.ts";

/** The row is its last event's state: the record is that JSON (the other columns are generated from it). */
export function toTechContract(row: { state: string; contract_number_key: string }): TechContractRecord {
  const record = JSON.parse(row.state) as TechContractRecord;
  // Recorded before numbers had a key: the key migration 12 computed (its folded key, U+0000 and its id where that
  // collided with another contract's), which the contract's next event stores in its state.
  record.contractNumberKey ??= row.contract_number_key;
  return record;
}

const READ = ["state", "contract_number_key"] as const;

/** A row as it is written: the state and seq of the subject's last event in the same write. */
export interface StateRow {
  id: string;
  state: string;
  eventSeq: number;
}

/** The insert of a state row (a contract or a volume entry), compiled once per table. */
export function stateRowInsert(table: "tech_contracts" | "volume_entries") {
  const insert = compiledOnce((db, id: string, state: string, eventSeq: number) =>
    db.insertInto(table).values({ id, state, event_seq: eventSeq }),
  );
  return (db: Kysely<Database>, row: StateRow) => insert(db, row.id, row.state, row.eventSeq);
}

export const insertTechContract = stateRowInsert("tech_contracts");

const update = compiledOnce((db, id: string, state: string, eventSeq: number) =>
  db.updateTable("tech_contracts").set({ state, event_seq: eventSeq }).where("id", "=", id),
);
const byId = compiledOnce((db, id: string) => db.selectFrom("tech_contracts").select(READ).where("id", "=", id));

export function updateTechContract(db: Kysely<Database>, row: StateRow) {
  return update(db, row.id, row.state, row.eventSeq);
}

export async function findTechContract(db: Kysely<Database>, id: string) {
  const [row] = await rowsOf(db, byId(db, id));
  return row ? toTechContract(row) : undefined;
}

/** The contracts with this seller and number key that are not rejected: one range of a partial unique index. */
export function liveByNumberQuery(db: Kysely<Database>, sellerCreditCode: string, numberKey: string) {
  return (
    db
      .selectFrom("tech_contracts")
      .select(READ)
      .where("seller_credit_code", "=", sellerCreditCode)
      .where("contract_number_key", "=", numberKey)
      // A literal, not a parameter: then any SQLite sees that the partial index
      // tech_contracts_one_live_number_per_submitter (WHERE status <> 'rejected') answers this. Bound as a
      // parameter it is usable only where SQLite re-plans with the bound value (STAT4 builds,
      // re-preparing the statement on every call), and elsewhere every recording scans the table.
      .where("status", "<>", sql.lit("rejected"))
  );
}

const liveByNumber = compiledOnce(liveByNumberQuery);

export async function findLiveByNumber(db: Kysely<Database>, sellerCreditCode: string, numberKey: string) {
  return (await rowsOf(db, liveByNumber(db, sellerCreditCode, numberKey))).map(toTechContract);
}

/** The highest serial of a registration year, from the covering UNIQUE (registration_year, registration_serial) index. */
export function maxSerialQuery(db: Kysely<Database>, year: number) {
  return db
    .selectFrom("tech_contracts")
    .select((eb) => eb.fn.max("registration_serial").as("serial"))
    .where("registration_year", "=", year);
}

const maxSerial = compiledOnce(maxSerialQuery);

export async function maxRegistrationSerial(db: Kysely<Database>, year: number): Promise<number> {
  const [row] = await rowsOf(db, maxSerial(db, year));
  return Number(row?.serial ?? 0);
}

export async function listTechContracts(db: Kysely<Database>, filter: ContractListFilter) {
  let query = db.selectFrom("tech_contracts").select(READ).orderBy("id", "asc").limit(filter.limit);
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

export async function findRegistration(db: Kysely<Database>, number: string, year: number, serial: number | null) {
  // Two lookups, each on its unique index (an OR of both scanned the table).
  const byNumber = await db
    .selectFrom("tech_contracts")
    .select(READ)
    .where("registration_number", "=", number)
    .executeTakeFirst();
  if (byNumber) return toTechContract(byNumber);
  if (serial === null) return undefined;
  const bySerial = await db
    .selectFrom("tech_contracts")
    .select(READ)
    .where("registration_year", "=", year)
    .where("registration_serial", "=", serial)
    .executeTakeFirst();
  return bySerial ? toTechContract(bySerial) : undefined;
}
