import { CompiledQuery, sql } from "kysely";
import type { LedgerDatabase } from "./dialects/ledger-database.ts";
import { asConstraintViolation } from "./dialects/ledger-database.ts";
import { migrations as allMigrations, type Migration } from "./migrations/index.ts";

export interface MigrationReport {
  applied: number[];
  current: number;
}

/**
 * Applies pending migrations in order, each with its bookkeeping row in one atomic batch, so a
 * migration is applied whole or not at all on either dialect. Two processes racing both try; the
 * loser's batch fails on the version's primary key and it re-reads.
 */
export async function migrate(
  database: LedgerDatabase,
  migrations: readonly Migration[] = allMigrations,
  now: () => Date = () => new Date(),
): Promise<MigrationReport> {
  await database.batch([
    CompiledQuery.raw(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT",
    ),
  ]);
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await sql<{
      version: number;
    }>`SELECT version FROM schema_migrations WHERE version = ${migration.version}`.execute(database.db);
    if (done.rows.length > 0) continue;
    const bookkeeping = database.db
      .insertInto("schema_migrations")
      .values({ version: migration.version, name: migration.name, applied_at: now().toISOString() })
      .compile();
    try {
      const backfill = (await migration.backfill?.(database.db)) ?? [];
      await database.batch([
        bookkeeping,
        ...migration.statements.map((s) => CompiledQuery.raw(s)),
        ...backfill,
        ...(migration.finalStatements ?? []).map((s) => CompiledQuery.raw(s)),
      ]);
      applied.push(migration.version);
    } catch (error) {
      const violation = asConstraintViolation(error);
      if (violation?.target !== "schema_migrations.version") throw error;
    }
  }
  const last = migrations.at(-1)?.version ?? 0;
  return { applied, current: last };
}

/**
 * The schema version a ledger is at (the last migration applied, 0 for none) and the one this
 * code needs; `null` where the file has no bookkeeping table (not a ledger). Reads only.
 */
export async function schemaVersion(
  database: LedgerDatabase,
  migrations: readonly Migration[] = allMigrations,
): Promise<{ current: number | null; needed: number }> {
  const needed = migrations.at(-1)?.version ?? 0;
  const table = await sql<{ name: string }>`
    SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`.execute(database.db);
  if (table.rows.length === 0) return { current: null, needed };
  const last = await sql<{ version: number | null }>`SELECT max(version) AS version FROM schema_migrations`.execute(
    database.db,
  );
  return { current: last.rows[0]?.version ?? 0, needed };
}
