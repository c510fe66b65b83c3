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
      await database.batch([bookkeeping, ...migration.statements.map((s) => CompiledQuery.raw(s))]);
      applied.push(migration.version);
    } catch (error) {
      const violation = asConstraintViolation(error);
      if (violation?.target !== "schema_migrations.version") throw error;
    }
  }
  const last = migrations.at(-1)?.version ?? 0;
  return { applied, current: last };
}
