import { env } from "cloudflare:test";
import { sql } from "kysely";
import { openD1 } from "../../db/dialects/d1.ts";
import { migrate } from "../../db/migrate.ts";
import { describeStore } from "../support/store-suite.ts";

/**
 * A D1 database of its own (STORE_DB, vitest.workers.config.ts), shared by no other test file: each
 * test of the suite starts from it emptied.
 */
describeStore("D1 (workerd)", async () => {
  const database = openD1(env.STORE_DB);
  await migrate(database);
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'
      AND name <> 'schema_migrations' AND sql NOT LIKE 'CREATE TABLE ''%'
      AND name NOT LIKE '%_data' AND name NOT LIKE '%_idx' AND name NOT LIKE '%_docsize' AND name NOT LIKE '%_config' AND name NOT LIKE '%_content'`.execute(
    database.db,
  );
  // Children before parents (foreign keys), the search indexes through their own DELETE.
  const order = (name: string) =>
    name === "organizations" ? 2 : name === "achievements" || name === "tech_contracts" ? 1 : 0;
  for (const { name } of rows.sort((a, b) => order(a.name) - order(b.name))) {
    await sql`DELETE FROM ${sql.table(name)}`.execute(database.db);
  }
  return database;
});
