import type { Migration } from "./index.ts";

/**
 * Which preimage an event's hash covers (audit-chain.ts). Events written before this migration
 * keep version 1 and their hashes; new events are version 2, whose preimage holds the stored
 * state as it is rather than as an escaped JSON string, so verifying it does not re-escape every
 * state. A change of the version on a stored event changes its preimage, so verification sees it.
 */
export const hashVersion: Migration = {
  version: 7,
  name: "hash-version",
  statements: [
    "ALTER TABLE audit_events ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2))",
  ],
};
