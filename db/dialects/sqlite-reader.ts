import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "../schema.ts";
import type { LedgerDatabase } from "./ledger-database.ts";

/**
 * A second, read-only connection to a SQLite ledger, for long reads on another thread
 * (verification). WAL mode lets it read while the process's own connection writes. It maps as
 * much of the file as SQLite allows and keeps a larger cache: it reads the ledger once, in bulk.
 */
export function openSqliteReader(path: string): LedgerDatabase {
  const raw = new BetterSqlite3(path, { fileMustExist: true });
  raw.pragma("query_only = ON");
  raw.pragma("busy_timeout = 5000");
  raw.pragma("cache_size = -131072");
  raw.pragma("mmap_size = 2147418112");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    dialect: "sqlite",
    db,
    readDb: db,
    async batch() {
      throw new Error("a reader does not write");
    },
    async close() {
      if (raw.open) raw.close();
    },
  };
}
