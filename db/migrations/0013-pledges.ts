import type { Migration } from "./index.ts";
import { createRollupTables, createStateTable } from "./state-table.ts";

/**
 * The IP pledges registry: its state table, its append-only entries (the pledge statistics
 * family: count and secured amount by right type, pledgee and size band), their rollups, and the
 * index of held rights. `pledge_rights` has one row per right of each submitted or registered
 * pledge, keyed by the right (type and normalised number), written from the pledge's row in the
 * same atomic write: a second pledge of a held right fails on its primary key, whatever raced.
 */
export const pledges: Migration = {
  version: 13,
  name: "pledges",
  statements: [
    createStateTable(
      "pledges",
      [
        [
          "status",
          "TEXT NOT NULL CHECK (status IN ('submitted', 'registered', 'rejected', 'released'))",
          { path: "status" },
        ],
        ["pledgor_organization_id", "TEXT", { path: "pledgor.organizationId" }],
        ["pledgor_credit_code", "TEXT NOT NULL", { path: "pledgor.creditCode" }],
        ["pledgee_organization_id", "TEXT NOT NULL REFERENCES organizations (id)", { path: "pledgeeOrganizationId" }],
        [
          "submitted_by_organization_id",
          "TEXT NOT NULL REFERENCES organizations (id)",
          { path: "submittedByOrganizationId" },
        ],
        ["registration_year", "INTEGER", { path: "registrationYear" }],
        ["registration_serial", "INTEGER", { path: "registrationSerial" }],
        ["registration_number", "TEXT UNIQUE", { path: "registrationNumber" }],
        ["registered_on", "TEXT", { path: "registeredOn" }],
      ],
      ["UNIQUE (registration_year, registration_serial)"],
    ),
    "CREATE INDEX pledges_by_pledgor ON pledges (pledgor_organization_id, id)",
    "CREATE INDEX pledges_by_pledgee ON pledges (pledgee_organization_id, id)",
    "CREATE INDEX pledges_by_status ON pledges (status, id)",
    "CREATE INDEX pledges_by_event ON pledges (event_seq)",
    createStateTable("pledge_entries", [
      ["pledge_id", "TEXT NOT NULL REFERENCES pledges (id)", { path: "pledgeId" }],
      [
        "change",
        "TEXT NOT NULL CHECK (change IN ('registration', 'change_out', 'change_in', 'release'))",
        { path: "change" },
      ],
      ["entry_on", "TEXT NOT NULL", { path: "entryOn" }],
      ["count", "INTEGER NOT NULL CHECK (count IN (-1, 1))", { path: "count" }],
      ["secured_fen", "INTEGER NOT NULL", { path: "securedFen" }],
      ["right_type", "TEXT NOT NULL", { path: "rightType" }],
      ["pledgee", "TEXT NOT NULL", { path: "pledgee" }],
      ["size_band", "TEXT NOT NULL CHECK (size_band IN ('small', 'large'))", { path: "sizeBand" }],
      ["pledgor", "TEXT NOT NULL", { path: "pledgor" }],
      ["recorded_at", "TEXT NOT NULL", { path: "recordedAt" }],
    ]),
    ...createRollupTables("pledge", ["right_type", "pledgee", "size_band"], ["count", "secured_fen"]),
    // Distinct pledgors per cell are counted from the entries: by day, then pledgor.
    "CREATE INDEX pledge_entries_by_pledgor ON pledge_entries (entry_on, pledgor, right_type, pledgee, size_band, count)",
    `CREATE TABLE pledge_rights (
      right_key TEXT PRIMARY KEY,
      pledge_id TEXT NOT NULL REFERENCES pledges (id)
    ) STRICT, WITHOUT ROWID`,
    "CREATE INDEX pledge_rights_by_pledge ON pledge_rights (pledge_id)",
    "INSERT INTO rollup_gross (family, measure, gross) VALUES ('pledge', 'count', 0), ('pledge', 'secured_fen', 0)",
  ],
};
