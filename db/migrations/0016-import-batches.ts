import type { Migration } from "./index.ts";
import { createStateTable } from "./state-table.ts";

/** Historical imports: one state subject per import run (file, SHA-256, operator, rows), written once. */
export const importBatches: Migration = {
  version: 16,
  name: "import-batches",
  statements: [
    createStateTable("import_batches", [
      ["file_sha256", "TEXT NOT NULL", { path: "sha256" }],
      ["imported_at", "TEXT NOT NULL", { path: "importedAt" }],
    ]),
  ],
};
