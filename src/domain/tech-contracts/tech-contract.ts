import type {
  CONTRACT_STATUSES,
  CONTRACT_TYPES,
  FLOWS,
  IP_TYPES,
  PARTY_KINDS,
  TECH_FIELDS,
} from "../../../contracts/tech-contracts.ts";
import { LARGE_CONTRACT_YUAN } from "../../../contracts/tech-contracts.ts";
import type { OrganizationKind } from "../organizations/organization.ts";
import { addWorkingDays, type WorkingCalendar } from "../working-days.ts";

export type ContractType = (typeof CONTRACT_TYPES)[number];
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];
export type PartyKind = (typeof PARTY_KINDS)[number];
export type TechField = (typeof TECH_FIELDS)[number];
export type IpType = (typeof IP_TYPES)[number];
export type Flow = (typeof FLOWS)[number];

export interface PartyRecord {
  organizationId: string | null;
  name: string;
  creditCode: string;
  kind: PartyKind;
  regionCode: string;
}

export interface Approval {
  keyId: string;
  holder: string;
  at: string;
}

/**
 * A technology contract as stored: one field per column, so that verification can compare a
 * row with the state its last audit event recorded and catch a change to any byte of it.
 */
export interface TechContractRecord {
  id: string;
  status: ContractStatus;
  title: string;
  contractNumber: string;
  /** What duplicates are found by (contract-number.ts); absent from states recorded before it existed. */
  contractNumberKey: string;
  type: ContractType;
  subType: string | null;
  equityContribution: boolean;
  seller: PartyRecord;
  buyer: PartyRecord;
  signedOn: string;
  validFrom: string;
  validTo: string;
  totalFen: number;
  technologyFen: number;
  techField: TechField;
  ipType: IpType;
  achievementIds: string[];
  flow: Flow;
  large: boolean;
  submittedAt: string;
  submittedByOrganizationId: string;
  submittedByKeyId: string;
  submittedByHolder: string;
  /** China Standard Time date the current review began: first submission or last resubmission. */
  reviewStartedOn: string;
  approvals: Approval[];
  decisionReason: string | null;
  registrationYear: number | null;
  registrationSerial: number | null;
  registrationNumber: string | null;
  registeredOn: string | null;
  endedOn: string | null;
  endReason: string | null;
  revision: number;
  updatedAt: string;
}

/** A signed change to registered volume: +1 on registration, -1 on cancellation or revocation. */
export interface VolumeEntryRecord {
  id: string;
  contractId: string;
  kind: "registration" | "cancellation" | "revocation";
  entryOn: string;
  count: number;
  totalFen: number;
  technologyFen: number;
  type: ContractType;
  techField: TechField;
  sellerKind: PartyKind;
  buyerKind: PartyKind;
  ipType: IpType;
  sellerRegion: string;
  flow: Flow;
  recordedAt: string;
}

export const LARGE_CONTRACT_FEN = LARGE_CONTRACT_YUAN * 100;
export const REVIEW_WORKING_DAYS = 15;
export const LARGE_REVIEW_WORKING_DAYS = 30;

/** An organisation's kind as the official form's party kind. */
export function partyKindOf(kind: OrganizationKind): PartyKind {
  switch (kind) {
    case "university":
    case "research_institute":
    case "enterprise":
    case "medical_institution":
      return kind;
    case "bank":
      return "enterprise";
    case "other":
      return "other_institution";
  }
}

/** GB/T 2260 prefixes of Taiwan (71), Hong Kong (81) and Macao (82): outside the mainland market. */
const OUTSIDE_MAINLAND = /^(71|81|82)/;

/** Where the technology goes: the buyer's region against the seller's. */
export function flowOf(seller: PartyRecord, buyer: PartyRecord): Flow {
  if (buyer.kind === "foreign_enterprise" || OUTSIDE_MAINLAND.test(buyer.regionCode)) return "abroad";
  if (buyer.regionCode.slice(0, 4) === seller.regionCode.slice(0, 4)) return "within_city";
  if (buyer.regionCode.slice(0, 2) === seller.regionCode.slice(0, 2)) return "within_province";
  return "out_of_province";
}

/**
 * The larger of the two amounts at or above the threshold: the plan goal counts contract value,
 * so a contract of huge value and no technology amount must not pass on one operator's word.
 */
export function isLarge(totalFen: number, technologyFen: number): boolean {
  return Math.max(totalFen, technologyFen) >= LARGE_CONTRACT_FEN;
}

/** Year (4) + market region (6) + serial (6): 16 digits, unique and gap-free per year. */
export function registrationNumber(year: number, regionCode: string, serial: number): string {
  return `${year}${regionCode}${String(serial).padStart(6, "0")}`;
}

/** A submitted contract's review deadline: 15 working days after review started (30 if large). */
export function reviewDueOn(contract: TechContractRecord, calendar: WorkingCalendar): string | null {
  if (contract.status !== "submitted") return null;
  const days = contract.large ? LARGE_REVIEW_WORKING_DAYS : REVIEW_WORKING_DAYS;
  return addWorkingDays(calendar, contract.reviewStartedOn, days);
}

/** What deadlines are judged against: today (China Standard Time) and the working-day calendar. */
export interface ReviewClock {
  today: string;
  calendar: WorkingCalendar;
}

export function isOverdue(contract: TechContractRecord, { today, calendar }: ReviewClock): boolean {
  const due = reviewDueOn(contract, calendar);
  return due !== null && today > due;
}

export function volumeEntryFor(
  contract: Omit<TechContractRecord, "contractNumberKey">,
  kind: VolumeEntryRecord["kind"],
  id: string,
  entryOn: string,
  recordedAt: string,
): VolumeEntryRecord {
  const sign = kind === "registration" ? 1 : -1;
  return {
    id,
    contractId: contract.id,
    kind,
    entryOn,
    count: sign,
    totalFen: sign * contract.totalFen,
    technologyFen: sign * contract.technologyFen,
    type: contract.type,
    techField: contract.techField,
    sellerKind: contract.seller.kind,
    buyerKind: contract.buyer.kind,
    ipType: contract.ipType,
    sellerRegion: contract.seller.regionCode,
    flow: contract.flow,
    recordedAt,
  };
}
