import type {
  ACHIEVEMENT_KINDS,
  ACHIEVEMENT_STAGES,
  ACHIEVEMENT_STATUSES,
  EVALUATIONS,
  TRANSFER_MODES,
} from "../../../contracts/achievements.ts";
import type { Caller } from "../ports.ts";
import type { PartyKind, PartyRecord, TechField } from "../tech-contracts/tech-contract.ts";

export type AchievementKind = (typeof ACHIEVEMENT_KINDS)[number];
export type AchievementStage = (typeof ACHIEVEMENT_STAGES)[number];
export type AchievementStatus = (typeof ACHIEVEMENT_STATUSES)[number];
export type Evaluation = (typeof EVALUATIONS)[number];
export type TransferMode = (typeof TRANSFER_MODES)[number];

/** Registered contracts that name the achievement, and their amounts (each contract's full amounts). */
export interface Conversion {
  contractIds: string[];
  totalFen: number;
  technologyFen: number;
}

/** A technology achievement as stored: its row is this state, byte for byte its last event's. */
export interface AchievementRecord {
  id: string;
  status: AchievementStatus;
  title: string;
  kind: AchievementKind;
  /** In contribution order; the first is the first completing organisation. */
  completingOrganizations: PartyRecord[];
  completers: { name: string; organizationIndex: number }[];
  researchStartedIn: string;
  researchEndedIn: string;
  techField: TechField;
  stage: AchievementStage;
  evaluation: Evaluation;
  keywords: string[];
  abstract: string;
  ipRights: { type: string; number: string }[];
  transferModes: TransferMode[];
  askingPriceFen: number | null;
  submittedAt: string;
  submittedByOrganizationId: string;
  submittedByKeyId: string;
  submittedByHolder: string;
  decisionReason: string | null;
  registrationYear: number | null;
  registrationSerial: number | null;
  registrationNumber: string | null;
  registeredOn: string | null;
  withdrawnOn: string | null;
  withdrawalReason: string | null;
  conversion: Conversion;
  revision: number;
  updatedAt: string;
}

/** A signed change to achievement statistics, dated by the achievement's registration (a cohort). */
export interface AchievementEntryRecord {
  id: string;
  achievementId: string;
  change: "registration" | "withdrawal" | "conversion" | "unconversion";
  entryOn: string;
  registered: number;
  converted: number;
  kind: AchievementKind;
  techField: TechField;
  stage: AchievementStage;
  organizationKind: PartyKind;
  recordedAt: string;
}

export const KIND_LETTERS = { applied_technology: "Y", basic_theory: "J", soft_science: "R" } as const satisfies Record<
  AchievementKind,
  string
>;

/** Registry code (3) + year (4) + kind letter + serial (4): 12 characters, gap-free per year and kind. */
export function achievementNumber(registryCode: string, year: number, kind: AchievementKind, serial: number): string {
  return `${registryCode}${year}${KIND_LETTERS[kind]}${String(serial).padStart(4, "0")}`;
}

export const MAX_ACHIEVEMENT_SERIAL = 9999;

export function isCompletingOrganization(caller: Caller, achievement: AchievementRecord): boolean {
  return (
    caller.role !== "public" &&
    achievement.completingOrganizations.some((o) => o.organizationId === caller.organizationId)
  );
}

/** Operators and the submitting organisation see every achievement; everyone sees registered ones. */
export function maySee(caller: Caller, achievement: AchievementRecord): boolean {
  if (achievement.status === "registered") return true;
  if (caller.role === "public") return false;
  return caller.role === "operator" || achievement.submittedByOrganizationId === caller.organizationId;
}

/** Who may see a conversion's contracts and amounts: one contract's price is confidential. */
export function maySeeConversionDetails(caller: Caller, achievement: AchievementRecord): boolean {
  return caller.role === "operator" || isCompletingOrganization(caller, achievement);
}

/** What an entry carries of its achievement: the statistics' dimensions, dated at its registration. */
export function achievementEntryFor(
  achievement: AchievementRecord,
  change: AchievementEntryRecord["change"],
  id: string,
  recordedAt: string,
): AchievementEntryRecord {
  const figures = {
    registration: [1, 0],
    withdrawal: [-1, achievement.conversion.contractIds.length > 0 ? -1 : 0],
    conversion: [0, 1],
    unconversion: [0, -1],
  }[change];
  return {
    id,
    achievementId: achievement.id,
    change,
    entryOn: achievement.registeredOn ?? "",
    registered: figures[0] ?? 0,
    converted: figures[1] ?? 0,
    kind: achievement.kind,
    techField: achievement.techField,
    stage: achievement.stage,
    organizationKind: achievement.completingOrganizations[0]?.kind ?? "other_institution",
    recordedAt,
  };
}
