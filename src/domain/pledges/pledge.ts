import type { PLEDGE_RIGHT_TYPES, PLEDGE_STATUSES } from "../../../contracts/pledges.ts";
import { HOLDING_STATUSES, SMALL_PLEDGE_YUAN } from "../../../contracts/pledges.ts";
import type { Caller } from "../ports.ts";
import type { PartyRecord } from "../tech-contracts/tech-contract.ts";

export type PledgeStatus = (typeof PLEDGE_STATUSES)[number];
export type PledgeRightType = (typeof PLEDGE_RIGHT_TYPES)[number];
export type SizeBand = "small" | "large";

/** One pledged right: as given, and its uniqueness key (type and normalised number, ip-numbers.ts). */
export interface PledgedRight {
  type: PledgeRightType;
  number: string;
  title: string;
  key: string;
}

/** A registered change of amount or term: the terms before and after, and the version it made. */
export interface PledgeChangeRecord {
  version: number;
  securedFenBefore: number;
  securedFen: number;
  termEndBefore: string;
  termEnd: string;
  reason: string;
  registeredOn: string;
}

export interface PendingChange {
  securedFen: number | null;
  termEnd: string | null;
  reason: string;
  requestedAt: string;
  requestedByKeyId: string;
}

/** An IP pledge as stored: its row is this state, byte for byte its last event's. */
export interface PledgeRecord {
  id: string;
  status: PledgeStatus;
  pledgor: PartyRecord;
  pledgeeOrganizationId: string;
  pledgeeName: string;
  rights: PledgedRight[];
  securedFen: number;
  termStart: string;
  termEnd: string;
  contractNumber: string;
  submittedAt: string;
  submittedByOrganizationId: string;
  submittedByKeyId: string;
  submittedByHolder: string;
  decisionReason: string | null;
  registrationYear: number | null;
  registrationSerial: number | null;
  registrationNumber: string | null;
  registeredOn: string | null;
  /** 1 from registration; each registered change adds one. */
  version: number;
  /** The day the current version was registered. */
  versionRegisteredOn: string | null;
  pendingChange: PendingChange | null;
  changes: PledgeChangeRecord[];
  releasedOn: string | null;
  releaseReason: string | null;
  revision: number;
  updatedAt: string;
}

/** A signed change to pledge statistics, dated the day it was registered (the published past never changes). */
export interface PledgeEntryRecord {
  id: string;
  pledgeId: string;
  change: "registration" | "change_out" | "change_in" | "release";
  entryOn: string;
  count: number;
  securedFen: number;
  rightType: PledgeRightType | "mixed";
  pledgee: string;
  sizeBand: SizeBand;
  /** The pledgor's credit code: distinct pledgors are counted from it. */
  pledgor: string;
  recordedAt: string;
}

export const SMALL_PLEDGE_FEN = SMALL_PLEDGE_YUAN * 100;
export const MAX_PLEDGE_SERIAL = 999_999;

export function sizeBandOf(securedFen: number): SizeBand {
  return securedFen < SMALL_PLEDGE_FEN ? "small" : "large";
}

/** The rights' type, or "mixed" when a pledge holds rights of more than one type. */
export function rightTypeOf(rights: readonly { type: PledgeRightType }[]): PledgeRightType | "mixed" {
  const types = new Set(rights.map((r) => r.type));
  const [only] = types;
  return types.size === 1 && only ? only : "mixed";
}

/** "ZY" + year (4) + market region (6) + serial (6): unique and gap-free per year. */
export function pledgeNumber(year: number, regionCode: string, serial: number): string {
  return `ZY${year}${regionCode}${String(serial).padStart(6, "0")}`;
}

const HOLDING: readonly string[] = HOLDING_STATUSES;

/** A submitted or registered pledge holds its rights: none can be pledged again meanwhile. */
export function holdsRights(pledge: Pick<PledgeRecord, "status">): boolean {
  return HOLDING.includes(pledge.status);
}

export function isPledgee(caller: Caller, pledge: PledgeRecord): boolean {
  return caller.role === "member" && caller.organizationId === pledge.pledgeeOrganizationId;
}

export function isPledgor(caller: Caller, pledge: PledgeRecord): boolean {
  return caller.role === "member" && caller.organizationId === pledge.pledgor.organizationId;
}

/** The pledgor, the pledgee and operators see a pledge; nobody else (not even that it exists). */
export function maySee(caller: Caller, pledge: PledgeRecord): boolean {
  return caller.role === "operator" || isPledgee(caller, pledge) || isPledgor(caller, pledge);
}

/** The entry of a pledge's terms entering (+1) or leaving (-1) the statistics on a day. */
export function pledgeEntryFor(
  pledge: PledgeRecord,
  terms: { securedFen: number },
  change: PledgeEntryRecord["change"],
  id: string,
  entryOn: string,
  recordedAt: string,
): PledgeEntryRecord {
  const sign = change === "registration" || change === "change_in" ? 1 : -1;
  return {
    id,
    pledgeId: pledge.id,
    change,
    entryOn,
    count: sign,
    securedFen: sign * terms.securedFen,
    rightType: rightTypeOf(pledge.rights),
    pledgee: pledge.pledgeeOrganizationId,
    sizeBand: sizeBandOf(terms.securedFen),
    pledgor: pledge.pledgor.creditCode,
    recordedAt,
  };
}
