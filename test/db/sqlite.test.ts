import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { type CompiledQuery, sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import { openSqlite, type SqliteOptions } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { migrations } from "../../db/migrations/index.ts";
import { auditHeadQuery } from "../../db/stores/audit-events.ts";
import { liveByNumberQuery, maxSerialQuery } from "../../db/stores/tech-contracts.ts";

async function fileDatabase(options: SqliteOptions = {}) {
  const database = openSqlite(join(mkdtempSync(join(tmpdir(), "ledger-")), "ledger.sqlite"), options);
  await migrate(database);
  return database;
}

const insertOrganization = (database: LedgerDatabase, id: string, creditCode: string | null = null) =>
  database.db
    .insertInto("organizations")
    .values({
      id,
      name: id,
      kind: "other",
      role: "member",
      credit_code: creditCode,
      region_code: "540100",
      created_at: "x",
    })
    .compile();

async function organizationIds(db: LedgerDatabase["db"]) {
  return (await db.selectFrom("organizations").select("id").orderBy("id").execute()).map((r) => r.id);
}

describe("group commit on a database file", () => {
  it("runs queued attempts in order, each seeing the ones before it; readers see them only once committed", async () => {
    const database = await fileDatabase();
    const attempt = database.attempt;
    if (!attempt) throw new Error("a file database queues its writes");
    let seenByReaders: string[] | undefined;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        attempt(async () => {
          const before = await organizationIds(database.db);
          await database.batch([insertOrganization(database, `o${i}`)]);
          if (i === 9) seenByReaders = await organizationIds(database.readDb);
          return before.length;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Queued together, they were one group: when the last ran, none was committed yet.
    expect(seenByReaders).toEqual([]);
    expect(await organizationIds(database.readDb)).toHaveLength(10);
    await database.close();
  });

  it("committed-only reads never show an open group, even while one of its attempts waits on something else", async () => {
    const database = await fileDatabase();
    const attempt = database.attempt;
    if (!attempt) throw new Error("a file database queues its writes");
    await attempt(() => database.batch([insertOrganization(database, "committed")]));
    let release = () => {};
    const paused = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted = () => {};
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const writing = attempt(async () => {
      await database.batch([insertOrganization(database, "uncommitted")]);
      inserted();
      await paused; // a macrotask away: other requests run meanwhile
    });
    await insertedYet;
    expect(await organizationIds(database.readDb)).toEqual(["committed"]);
    release();
    await writing;
    expect(await organizationIds(database.readDb)).toEqual(["committed", "uncommitted"]);
    // The reading side only reads, on whichever connection it runs.
    await expect(database.readDb.deleteFrom("organizations").execute()).rejects.toThrow();
    await expect(database.readDb.deleteFrom("organizations").returning("id").execute()).rejects.toThrow();
    expect(await organizationIds(database.readDb)).toEqual(["committed", "uncommitted"]);
    await database.close();
  });

  it("an attempt that fails leaves nothing behind and does not disturb the others in its group", async () => {
    const database = await fileDatabase();
    const attempt = database.attempt;
    if (!attempt) throw new Error("a file database queues its writes");
    const outcomes = await Promise.allSettled([
      attempt(() => database.batch([insertOrganization(database, "a", "C1")])),
      attempt(async () => {
        await database.batch([insertOrganization(database, "wrote-then-threw")]);
        throw new Error("refused after writing");
      }),
      attempt(() => database.batch([insertOrganization(database, "b", "C1")])),
      attempt(() => database.batch([insertOrganization(database, "c", "C2")])),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(await organizationIds(database.readDb)).toEqual(["a", "c"]);
    await database.close();
  });

  it("when the commit fails, every attempt in the group fails and nothing is kept", async () => {
    const database = await fileDatabase();
    const attempt = database.attempt;
    if (!attempt) throw new Error("a file database queues its writes");
    const danglingKey = database.db
      .insertInto("api_keys")
      .values({ id: "k", organization_id: "nowhere", holder: "h", secret_hash: "s", created_at: "x", revoked_at: null })
      .compile();
    const outcomes = await Promise.allSettled([
      attempt(() => database.batch([insertOrganization(database, "a")])),
      attempt(async () => {
        // A foreign key checked only at COMMIT: the group's one COMMIT is refused.
        await sql`PRAGMA defer_foreign_keys = ON`.execute(database.db);
        await database.batch([danglingKey]);
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(await organizationIds(database.readDb)).toEqual([]);
    // The writer is usable again afterwards.
    await attempt(() => database.batch([insertOrganization(database, "after")]));
    expect(await organizationIds(database.readDb)).toEqual(["after"]);
    await database.close();
  });
});

describe("durability of group commit", () => {
  /** A log sync the test can hold open, or make fail. */
  function controlledSync() {
    const held: (() => void)[] = [];
    const control = { hold: false, fail: false, requested: 0, held };
    const syncLog = async () => {
      control.requested++;
      if (control.fail) throw new Error("EIO: input/output error");
      if (control.hold) await new Promise<void>((resolve) => held.push(resolve));
    };
    return { control, syncLog };
  }
  async function databaseWithControlledSync() {
    const { control, syncLog } = controlledSync();
    const database = await fileDatabase({ syncLog });
    const attempt = database.attempt;
    if (!attempt) throw new Error("a file database queues its writes");
    return { control, database, attempt };
  }
  const soon = () => new Promise((resolve) => setTimeout(resolve, 20));

  it("acknowledges a write only once its log is synced; durable() waits for it too", async () => {
    const { control, database, attempt } = await databaseWithControlledSync();
    control.hold = true;
    let acknowledged = false;
    const write = attempt(() => database.batch([insertOrganization(database, "a")])).then(() => {
      acknowledged = true;
    });
    while (control.held.length === 0) await soon();
    // Committed, not yet on disk: readers see it, but the writer and anyone showing it wait.
    expect(await organizationIds(database.readDb)).toEqual(["a"]);
    let durable = false;
    const waiting = database.durable?.().then(() => {
      durable = true;
    });
    await soon();
    expect(acknowledged).toBe(false);
    expect(durable).toBe(false);
    control.hold = false;
    for (const release of control.held) release();
    await Promise.all([write, waiting]);
    expect(acknowledged).toBe(true);
    expect(durable).toBe(true);
    await database.close();
  });

  it("runs one sync at a time; writes committed meanwhile share the next, and a failure fails them too", async () => {
    const { control, database, attempt } = await databaseWithControlledSync();
    const before = control.requested;
    control.hold = true;
    const first = attempt(() => database.batch([insertOrganization(database, "a")]));
    while (control.held.length === 0) await soon();
    const later = [
      attempt(() => database.batch([insertOrganization(database, "b")])),
      attempt(() => database.batch([insertOrganization(database, "c")])),
    ];
    await soon();
    expect(control.requested - before).toBe(1);
    control.hold = false;
    control.held.shift()?.();
    await Promise.all([first, ...later]);
    expect(control.requested - before).toBe(2);
    // Held again, and then the next sync fails: the write that waited behind it is not acknowledged.
    control.hold = true;
    const waiting = attempt(() => database.batch([insertOrganization(database, "d")]));
    while (control.held.length === 0) await soon();
    const behind = attempt(() => database.batch([insertOrganization(database, "e")]));
    await soon();
    control.hold = false;
    control.fail = true;
    control.held.shift()?.();
    await expect(waiting).resolves.toBeUndefined();
    await expect(behind).rejects.toThrow(/could not be synced/);
    await database.close();
  });

  it("after a failed sync fails the group's writes and refuses every later read and write", async () => {
    const { control, database, attempt } = await databaseWithControlledSync();
    control.fail = true;
    await expect(attempt(() => database.batch([insertOrganization(database, "a")]))).rejects.toThrow(
      /could not be synced/,
    );
    control.fail = false;
    await expect(attempt(() => database.batch([insertOrganization(database, "b")]))).rejects.toThrow(
      /restart the service/,
    );
    await expect(organizationIds(database.readDb)).rejects.toThrow(/restart the service/);
    await database.close();
  });
});

describe("embedded SQLite", () => {
  it("runs durable: WAL, foreign keys, busy timeout; FULL in memory, NORMAL plus its own log syncs on a file", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ledger-")), "nested", "ledger.sqlite");
    const database = openSqlite(path);
    const pragma = async (name: string, on = database) =>
      Object.values((await sql.raw(`PRAGMA ${name}`).execute(on.db)).rows[0] as object)[0];
    expect(await pragma("journal_mode")).toBe("wal");
    // The file database syncs its log itself after each COMMIT (tested below), off the event loop.
    expect(await pragma("synchronous")).toBe(1);
    expect(await pragma("synchronous", openSqlite(":memory:"))).toBe(2);
    expect(await pragma("foreign_keys")).toBe(1);
    expect(await pragma("busy_timeout")).toBe(5000);
    // Savepoint journals stay in memory rather than spilling to a temporary file each commit.
    expect(await pragma("temp_store")).toBe(2);
    // Mapped unless asked not to be (the verify command reads each page once).
    expect(await pragma("mmap_size")).toBe(1073741824);
    const unmapped = openSqlite(path, { mapped: false });
    expect(await pragma("mmap_size", unmapped)).toBe(0);
    await unmapped.close();
    await database.close();
  });

  it("creates a ledger with 8 KiB pages, and opens one made with other pages as it is", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-"));
    const pageSize = async (database: LedgerDatabase) =>
      Number(Object.values((await sql.raw("PRAGMA page_size").execute(database.db)).rows[0] as object)[0]);
    const created = openSqlite(join(dir, "new.sqlite"));
    await migrate(created);
    expect(await pageSize(created)).toBe(8192);
    await created.close();

    const old = new BetterSqlite3(join(dir, "old.sqlite"));
    old.pragma("page_size = 4096");
    old.pragma("journal_mode = WAL");
    old.exec("CREATE TABLE kept (id INTEGER PRIMARY KEY)");
    old.close();
    const reopened = openSqlite(join(dir, "old.sqlite"));
    await migrate(reopened);
    expect(await pageSize(reopened)).toBe(4096);
    expect(await organizationIds(reopened.db)).toEqual([]);
    await reopened.close();
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
      // The search index is a virtual table: SQLite makes it and its shadow tables, which cannot be STRICT.
    }>`SELECT name, strict FROM pragma_table_list
       WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'achievement_catalogue%' AND name NOT LIKE 'achievement_titles%'`.execute(
      database.db,
    );
    expect(tables.rows.length).toBeGreaterThan(5);
    for (const table of tables.rows) expect(table.strict, table.name).toBe(1);
  });

  it("writes a batch whole or not at all", async () => {
    const database = openSqlite(":memory:");
    await migrate(database);
    await expect(
      database.batch([insertOrganization(database, "a", "C1"), insertOrganization(database, "b", "C1")]),
    ).rejects.toThrow(/UNIQUE constraint failed/);
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

describe("the write path's lookups stay index lookups (a scan would grow with the ledger)", () => {
  it("finds a live contract number, the year's last serial and the chain head without scanning", async () => {
    const database = openSqlite(":memory:");
    await migrate(database);
    const plan = async (query: { compile(): CompiledQuery }) => {
      const compiled = query.compile();
      const explained = await database.db.executeQuery({ ...compiled, sql: `EXPLAIN QUERY PLAN ${compiled.sql}` });
      return explained.rows.map((r) => (r as { detail: string }).detail).join("; ");
    };
    expect(await plan(liveByNumberQuery(database.db, "91540100MA6T000000", "TC-1"))).toMatch(
      /USING INDEX tech_contracts_one_live_number/,
    );
    expect(await plan(maxSerialQuery(database.db, 2025))).toMatch(/SEARCH tech_contracts USING (COVERING )?INDEX/);
    const head = await plan(auditHeadQuery(database.db));
    expect(head).toMatch(/SEARCH audit_events USING INTEGER PRIMARY KEY/);
    expect(head).not.toMatch(/SCAN/);
    await database.close();
  });
});
