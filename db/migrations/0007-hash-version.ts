import type { Migration } from "./index.ts";

/**
 * Which preimage an event's hash covers (audit-chain.ts). Events written before this migration
 * keep version 1 and their hashes; new events are version 2, whose preimage holds the stored
 * state as it is rather than as an escaped JSON string, so verifying it does not re-escape every
 * state. A change of the version on a stored event changes its preimage, so verification sees it.
 *
 * Also drops audit_events_by_subject (subject_id, seq): every lookup of a subject's events names
 * its type, which audit_events_by_type_subject serves, and each event paid an insert into both.
 */
export const hashVersion: Migration = {
  version: 7,
  name: "hash-version",
  statements: [
    "ALTER TABLE audit_events ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2))",
    "DROP INDEX audit_events_by_subject",
  ],
};
