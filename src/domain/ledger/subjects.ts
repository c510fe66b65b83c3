/**
 * The registries' subjects as the ledger knows them. Adding a registry adds its entries here (and
 * one table per entry in `db/stores/state-tables.ts`, which must cover every key, and a migration):
 * the write path, verification and the rollups are built from these maps, never from hand lists.
 */

/**
 * Subjects whose rows store their last audit event's state byte for byte (`state`, `event_seq`).
 * A `record` changes over its lifecycle (the row is replaced by each event's state); an `entry` is
 * written once and never changes (a second event for it refuses the whole write), and feeds the
 * rollup family that names it.
 */
export const STATE_SUBJECTS = {
  tech_contract: { kind: "record" },
  volume_entry: { kind: "entry" },
  achievement: { kind: "record" },
  achievement_entry: { kind: "entry" },
  pledge: { kind: "record" },
  pledge_entry: { kind: "entry" },
  // Written once (published bulletins never change); no rollup family, so a record.
  bulletin: { kind: "record" },
  // One per historical import run (file, SHA-256, operator, rows): written once.
  import_batch: { kind: "record" },
} as const satisfies Record<string, { kind: "record" | "entry" }>;

export type StateSubjectType = keyof typeof STATE_SUBJECTS;
export type EntrySubjectType = {
  [K in StateSubjectType]: (typeof STATE_SUBJECTS)[K]["kind"] extends "entry" ? K : never;
}[StateSubjectType];

export const STATE_SUBJECT_TYPES = Object.keys(STATE_SUBJECTS) as StateSubjectType[];

export function isStateSubject(type: string): type is StateSubjectType {
  return Object.hasOwn(STATE_SUBJECTS, type);
}

/** Subjects kept as plain columns since before state rows existed: compared with their event as mapped objects. */
export const COLUMN_SUBJECT_TYPES = ["organization", "api_key", "goal"] as const;
export type ColumnSubjectType = (typeof COLUMN_SUBJECT_TYPES)[number];

/** Every table whose rows must equal the state their last audit event recorded. */
export type SubjectType = ColumnSubjectType | StateSubjectType;
export const SUBJECT_TYPES: readonly SubjectType[] = [...COLUMN_SUBJECT_TYPES, ...STATE_SUBJECT_TYPES];
