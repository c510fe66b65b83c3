import type { Migration } from "./index.ts";
import { createRollupTables, createStateTable } from "./state-table.ts";

/**
 * The achievements registry: its state table, its append-only entries (the achievement
 * statistics family: registered and converted counts), their rollups, and the catalogue's search
 * index. The search index holds registered achievements only, as tokens the store computes (Chinese
 * as overlapping two-character tokens, other text as lower-cased words), so a two-character
 * Chinese query is one index lookup, which FTS5's trigram tokenizer cannot serve.
 */
const KIND_DIGIT = "CASE state ->> '$.kind' WHEN 'applied_technology' THEN 1 WHEN 'basic_theory' THEN 2 ELSE 3 END";

export const achievements: Migration = {
  version: 8,
  name: "achievements",
  statements: [
    createStateTable(
      "achievements",
      [
        [
          "status",
          "TEXT NOT NULL CHECK (status IN ('submitted', 'correction_requested', 'registered', 'rejected', 'withdrawn'))",
          { path: "status" },
        ],
        ["title", "TEXT NOT NULL", { path: "title" }],
        ["kind", "TEXT NOT NULL", { path: "kind" }],
        ["tech_field", "TEXT NOT NULL", { path: "techField" }],
        ["stage", "TEXT NOT NULL", { path: "stage" }],
        ["organization_kind", "TEXT NOT NULL", { path: "completingOrganizations[0].kind" }],
        [
          "submitted_by_organization_id",
          "TEXT NOT NULL REFERENCES organizations (id)",
          { path: "submittedByOrganizationId" },
        ],
        ["registration_year", "INTEGER", { path: "registrationYear" }],
        ["registration_serial", "INTEGER", { path: "registrationSerial" }],
        ["registration_number", "TEXT UNIQUE", { path: "registrationNumber" }],
        ["registered_on", "TEXT", { path: "registeredOn" }],
        // The search index's rowid: stable (a rowid of a table without an INTEGER PRIMARY KEY may
        // change on VACUUM) and unique, as the (year, kind, serial) it is made of.
        [
          "search_docid",
          "INTEGER",
          {
            sql: `CASE WHEN state ->> '$.registrationSerial' IS NULL THEN NULL ELSE
              (state ->> '$.registrationYear') * 100000 + ${KIND_DIGIT} * 10000 + (state ->> '$.registrationSerial') END`,
          },
        ],
      ],
      ["UNIQUE (registration_year, kind, registration_serial)"],
    ),
    "CREATE INDEX achievements_by_status ON achievements (status, id)",
    "CREATE INDEX achievements_by_submitter ON achievements (submitted_by_organization_id, id)",
    "CREATE INDEX achievements_by_event ON achievements (event_seq)",
    "CREATE INDEX achievements_by_docid ON achievements (search_docid)",
    createStateTable("achievement_entries", [
      ["achievement_id", "TEXT NOT NULL REFERENCES achievements (id)", { path: "achievementId" }],
      [
        "change",
        "TEXT NOT NULL CHECK (change IN ('registration', 'withdrawal', 'conversion', 'unconversion'))",
        { path: "change" },
      ],
      ["entry_on", "TEXT NOT NULL", { path: "entryOn" }],
      ["registered", "INTEGER NOT NULL CHECK (registered IN (-1, 0, 1))", { path: "registered" }],
      ["converted", "INTEGER NOT NULL CHECK (converted IN (-1, 0, 1))", { path: "converted" }],
      ["kind", "TEXT NOT NULL", { path: "kind" }],
      ["tech_field", "TEXT NOT NULL", { path: "techField" }],
      ["stage", "TEXT NOT NULL", { path: "stage" }],
      ["organization_kind", "TEXT NOT NULL", { path: "organizationKind" }],
      ["recorded_at", "TEXT NOT NULL", { path: "recordedAt" }],
    ]),
    ...createRollupTables(
      "achievement",
      ["kind", "tech_field", "stage", "organization_kind"],
      ["registered", "converted"],
    ),
    `CREATE VIRTUAL TABLE achievement_search USING fts5(
      title, keywords, abstract, organizations, tokenize = 'unicode61 remove_diacritics 2')`,
  ],
};
