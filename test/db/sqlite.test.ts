import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { migrations } from "../../db/migrations/index.ts";

describe("embedded SQLite", () => {
  it("runs durable: WAL, synchronous=FULL, foreign keys, busy timeout", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ledger-")), "nested", "ledger.sqlite");
    const database = openSqlite(path);
    const pragma = async (name: string) =>
      Object.values((await sql.raw(`PRAGMA ${name}`).execute(database.db)).rows[0] as object)[0];
    expect(await pragma("journal_mode")).toBe("wal");
    expect(await pragma("synchronous")).toBe(2);
    expect(await pragma("foreign_keys")).toBe(1);
    expect(await pragma("busy_timeout")).toBe(5000);
    await database.close();
  });

  it("applies migrations once, in order, as STRICT tables", async () => {
    const database = openSqlite(":memory:");
    const first = await migrate(database);
    expect(first.applied).toEqual(migrations.map((m) => m.version));
    const again = await migrate(database);
    expect(again.applied).toEqual([]);
    const tables = await sql<{
      name: string;
      strict: number;
    }>`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'`.execute(
      database.db,
    );
    expect(tables.rows.length).toBeGreaterThan(5);
    for (const table of tables.rows) expect(table.strict, table.name).toBe(1);
  });

  it("writes a batch whole or not at all", async () => {
    const database = openSqlite(":memory:");
    await migrate(database);
    const insert = (id: string, credit: string | null) =>
      database.db
        .insertInto("organizations")
        .values({
          id,
          name: id,
          kind: "other",
          role: "member",
          credit_code: credit,
          region_code: "540100",
          created_at: "x",
        })
        .compile();
    await expect(database.batch([insert("a", "C1"), insert("b", "C1")])).rejects.toThrow(/UNIQUE constraint failed/);
    const rows = await database.db.selectFrom("organizations").selectAll().execute();
    expect(rows).toEqual([]);
  });

  it("refuses a float where integer fen belong (STRICT)", async () => {
    const database = openSqlite(":memory:");
    await migrate(database);
    await expect(
      sql`INSERT INTO idempotency_keys VALUES ('s', 'k', 'h', 1.5, '{}', 'x')`.execute(database.db),
    ).rejects.toThrow(/cannot store REAL value in INTEGER column/);
  });
});
