import type { z } from "@hono/zod-openapi";
import type { RecordContractBody } from "../../../contracts/tech-contracts.ts";
import { checkConvertedAchievements } from "../achievements/conversion.ts";
import { chinaDate } from "../dates.ts";
import { ConflictError, type FieldError, UnresolvedReferenceError, ValidationError } from "../errors.ts";
import { formatYuan, parseYuan } from "../money.ts";
import type { AchievementReads, Actor, OrganizationReads, TechContractReads } from "../ports.ts";
import { contractNumberKey } from "./contract-number.ts";
import { isPartyTo } from "./read-tech-contracts.ts";
import {
  flowOf,
  isLarge,
  type PartyKind,
  type PartyRecord,
  partyKindOf,
  type TechContractRecord,
} from "./tech-contract.ts";

export type ContractInput = z.infer<typeof RecordContractBody>;
type PartyInput = ContractInput["seller"];

/** The fields a submitter gives, resolved against the registry: what recording and correcting share. */
export type ContractTerms = Pick<
  TechContractRecord,
  | "title"
  | "contractNumber"
  | "contractNumberKey"
  | "type"
  | "subType"
  | "equityContribution"
  | "seller"
  | "buyer"
  | "signedOn"
  | "validFrom"
  | "validTo"
  | "totalFen"
  | "technologyFen"
  | "techField"
  | "ipType"
  | "achievementIds"
  | "flow"
  | "large"
>;

/**
 * The rules of a contract's terms that depend on the clock (a contract is not signed in the
 * future). The domain applies them with the rest; the HTTP validation hook applies them to a body
 * that the schema refused, so every rule broken is named in one answer, not over two round trips.
 */
export function clockFieldErrors(body: { signedOn?: unknown }, now: Date): FieldError[] {
  const signedOn = body.signedOn;
  if (typeof signedOn !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(signedOn)) return [];
  return signedOn > chinaDate(now)
    ? [{ pointer: "/signedOn", detail: "must not be after today (China Standard Time)" }]
    : [];
}

/**
 * Resolves parties (a member by id, or inline; an inline party whose credit code is a member's
 * becomes that member, so the member sees the contract) and checks what needs the database or
 * the clock. Field errors are collected and thrown together.
 */
export async function resolveTerms(
  store: OrganizationReads & AchievementReads,
  input: ContractInput,
  now: Date,
): Promise<ContractTerms> {
  const errors: FieldError[] = [];
  const seller = await resolveParty(store, input.seller, "/seller", errors);
  const buyer = await resolveParty(store, input.buyer, "/buyer", errors);
  errors.push(...clockFieldErrors(input, now));
  await checkConvertedAchievements(store, seller, input.achievementIds ?? [], errors);
  if (seller && buyer && seller.creditCode === buyer.creditCode) {
    errors.push({ pointer: "/buyer", detail: "must be a different party from the seller" });
  }
  if (errors.length > 0 && errors.every((e) => e.pointer.startsWith("/achievementIds/"))) {
    throw new UnresolvedReferenceError(errors);
  }
  if (errors.length > 0 || !seller || !buyer) throw new ValidationError(errors);
  const technologyFen = parseYuan(input.technologyAmount);
  const totalFen = parseYuan(input.totalAmount);
  return {
    title: input.title,
    contractNumber: input.contractNumber,
    contractNumberKey: contractNumberKey(input.contractNumber),
    type: input.type,
    subType: input.subType ?? null,
    equityContribution: input.equityContribution ?? false,
    seller,
    buyer,
    signedOn: input.signedOn,
    validFrom: input.validFrom,
    validTo: input.validTo,
    totalFen,
    technologyFen,
    techField: input.techField,
    ipType: input.ipType,
    achievementIds: input.achievementIds ?? [],
    flow: flowOf(seller, buyer),
    large: isLarge(totalFen, technologyFen),
  };
}

export async function resolveParty(
  store: OrganizationReads,
  party: PartyInput,
  pointer: string,
  errors: FieldError[],
): Promise<PartyRecord | null> {
  if (party.organizationId !== undefined) {
    const org = await store.findOrganization(party.organizationId);
    if (org?.role !== "member" || !org.creditCode) {
      errors.push({ pointer: `${pointer}/organizationId`, detail: "no member organisation has this id" });
      return null;
    }
    return fromOrganization(org);
  }
  const creditCode = party.creditCode as string;
  const member = await store.findOrganizationByCreditCode(creditCode);
  if (member?.role === "member") return fromOrganization(member);
  return {
    organizationId: null,
    name: party.name as string,
    creditCode,
    kind: party.kind as PartyKind,
    regionCode: party.regionCode as string,
  };
}

function fromOrganization(org: {
  id: string;
  name: string;
  creditCode: string | null;
  kind: Parameters<typeof partyKindOf>[0];
  regionCode: string;
}): PartyRecord {
  return {
    organizationId: org.id,
    name: org.name,
    creditCode: org.creditCode ?? "",
    kind: partyKindOf(org.kind),
    regionCode: org.regionCode,
  };
}

/**
 * Nobody records the same contract twice. Among the live contracts of the same seller and number
 * (by its key, contract-number.ts), a 409 for one the recording organisation submitted itself, or
 * one between the same two parties that the other party submitted. Any other (a third member
 * naming this seller) neither blocks the recording nor is revealed by it: naming a seller does not
 * let a member occupy that seller's number or learn which numbers the seller has. Registration
 * refuses the second of two (`assertNotRegisteredTwice`), where an operator, who sees both, decides.
 */
export async function assertNoLiveDuplicate(
  store: TechContractReads,
  actor: Actor,
  terms: ContractTerms,
  exceptId?: string,
) {
  const parties = [terms.seller.organizationId, terms.buyer.organizationId];
  const live = await store.findLiveContractsByNumber(terms.seller.creditCode, terms.contractNumberKey);
  const existing = live.find(
    (c) =>
      c.id !== exceptId &&
      (c.submittedByOrganizationId === actor.organizationId ||
        (c.buyer.creditCode === terms.buyer.creditCode && parties.includes(c.submittedByOrganizationId))),
  );
  if (!existing) return;
  // Name the existing contract only to those who may see it.
  if (actor.role !== "operator" && !isPartyTo(actor, existing)) {
    throw new ConflictError(`you are already a party to a contract numbered ${terms.contractNumber} in the ledger`);
  }
  throw new ConflictError(
    `the seller already has contract number ${terms.contractNumber} recorded as ${existing.id} (${existing.status})`,
    existing.id,
  );
}

/** One registration per seller and contract number: the second of two recordings of one contract is refused at review. */
export async function assertNotRegisteredTwice(store: TechContractReads, contract: TechContractRecord) {
  // A legacy duplicate's key is the folded key, U+0000 and its id (migration 12), and the contract
  // registered under that number holds the folded key itself: look for that one.
  const [folded = contract.contractNumberKey] = contract.contractNumberKey.split("\u0000");
  const live = await store.findLiveContractsByNumber(contract.seller.creditCode, folded);
  const registered = live.find((c) => c.id !== contract.id && c.registrationNumber !== null);
  if (registered) {
    throw new ConflictError(
      `the seller's contract number ${contract.contractNumber} is already registered as ${registered.registrationNumber} (${registered.id}, ${registered.status}); reject this one as a duplicate`,
      registered.id,
    );
  }
}

/** The input form of a stored contract, so a correction can be merged onto it and validated whole. */
export function inputOf(record: TechContractRecord): Record<string, unknown> {
  const party = (p: PartyRecord) =>
    p.organizationId
      ? { organizationId: p.organizationId }
      : { name: p.name, creditCode: p.creditCode, kind: p.kind, regionCode: p.regionCode };
  return {
    title: record.title,
    contractNumber: record.contractNumber,
    type: record.type,
    subType: record.subType,
    ...(record.type === "transfer" ? { equityContribution: record.equityContribution } : {}),
    seller: party(record.seller),
    buyer: party(record.buyer),
    signedOn: record.signedOn,
    validFrom: record.validFrom,
    validTo: record.validTo,
    totalAmount: formatYuan(record.totalFen),
    technologyAmount: formatYuan(record.technologyFen),
    techField: record.techField,
    ipType: record.ipType,
    achievementIds: record.achievementIds,
  };
}
