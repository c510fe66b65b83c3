import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { type CompiledQuery, Kysely, SqliteDialect } from "kysely";
import type { Database } from "../schema.ts";
import { asConstraintViolation, type LedgerDatabase } from "./ledger-database.ts";

export interface SqliteOptions {
  /** `synchronous=FULL` by default: an acknowledged write survives power loss. */
  synchronous?: "FULL" | "NORMAL";
}

export function openSqlite(path: string, options: SqliteOptions = {}): LedgerDatabase {
  if (path !== ":memory:" && !path.startsWith("file:")) mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma("journal_mode = WAL");
  raw.pragma(`synchronous = ${options.synchronous ?? "FULL"}`);
  raw.pragma("foreign_keys = ON");
  raw.pragma("busy_timeout = 5000");
  // Reads of a large ledger (verification, rollups) are served from memory, not page by page.
  raw.pragma("cache_size = -65536");
  raw.pragma("mmap_size = 1073741824");

  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = raw.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const runAll = raw.transaction((queries: readonly CompiledQuery[]) => {
    for (const query of queries) prepared(query.sql).run(...(query.parameters as unknown[]));
  });

  return {
    dialect: "sqlite",
    singleWriter: true,
    // Kysely prepares every query afresh; preparing costs more than running most of ours, so the
    // dialect is handed a database whose prepare() reuses statements by their SQL text.
    db: new Kysely<Database>({
      dialect: new SqliteDialect({
        database: {
          prepare: (sql: string) => prepared(sql),
          close: () => raw.close(),
        } as unknown as BetterSqlite3.Database,
      }),
    }),
    async batch(queries) {
      try {
        runAll(queries);
      } catch (error) {
        throw asConstraintViolation(error) ?? error;
      }
    },
    async close() {
      if (raw.open) raw.close();
    },
  };
}
