import type { StateSubjectType } from "../../src/domain/ledger/subjects.ts";

/**
 * The table of each state subject (migrations 0006, 0008, 0013, 0015, 0016): one entry per subject, or this does not
 * compile. Kept free of runtime imports: verification's worker processes read it without Kysely.
 */
export const STATE_TABLE_NAMES = {
  tech_contract: "tech_contracts",
  volume_entry: "volume_entries",
  achievement: "achievements",
  achievement_entry: "achievement_entries",
  pledge: "pledges",
  pledge_entry: "pledge_entries",
  bulletin: "bulletins",
  import_batch: "import_batches",
} as const satisfies Record<StateSubjectType, string>;

export type StateTableName = (typeof STATE_TABLE_NAMES)[StateSubjectType];

export const STATE_TABLE_ENTRIES = Object.entries(STATE_TABLE_NAMES) as [StateSubjectType, StateTableName][];
