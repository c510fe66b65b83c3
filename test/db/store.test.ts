import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { describeStore } from "../support/store-suite.ts";

const migrated = async (path: string) => {
  const database = openSqlite(path);
  await migrate(database);
  return database;
};

describeStore("better-sqlite3 in memory", () => migrated(":memory:"));
describeStore("better-sqlite3 on a file (two connections, group commit)", () =>
  migrated(join(mkdtempSync(join(tmpdir(), "ledger-store-")), "ledger.sqlite")),
);
