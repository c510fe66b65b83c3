import fc from "fast-check";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { insertAuditEvent } from "../../db/stores/audit-events.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { PREIMAGE_SQL } from "../../db/stores/stretch-sql.ts";
import { chainEvents, GENESIS, hashPreimage } from "../../src/domain/ledger/audit-chain.ts";
import type { AuditEvent, HashVersion } from "../../src/domain/ports.ts";
import { checkStretch } from "../../src/domain/verification/verify-chain.ts";

/** Characters where JSON encoders are known to differ: escapes, control characters, separators, astral. */
const tricky = fc.constantFrom(
  '"',
  "\\",
  "/",
  "\u0000",
  "\u0001",
  "\b",
  "\t",
  "\n",
  "\f",
  "\r",
  "\u001f",
  "\u007f",
  "\u0080",
  "\u00ff",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\ufffd",
  "\uffff",
  "中",
  "😀",
  "👩‍👩‍👧",
  "\u{10ffff}",
);
/** Any Unicode text a TEXT column can hold faithfully: every code point but the lone surrogates. */
const text = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.oneof(tricky, fc.string({ unit: "binary", minLength: 1, maxLength: 1 })) }),
);

async function ledger() {
  const database = openSqlite(":memory:");
  await migrate(database);
  return database;
}

describe("SQLite's json_array and JSON.stringify (property)", () => {
  it("render every storable event field as the same text, so the bulk chain check hashes what eventHash hashes (both hash versions)", async () => {
    const database = await ledger();
    const fields = fc.tuple(
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      text,
      fc.option(text),
      text,
      fc.option(text),
      text,
      text,
      text,
      text,
      text,
    );
    await fc.assert(
      fc.asyncProperty(fields, fc.constantFrom<HashVersion>(1, 2), async (values, hashVersion) => {
        const [seq, at, actorKeyId, actorHolder, organizationId, action, subjectType, subjectId, state, prevHash] =
          values;
        const event = {
          seq,
          at,
          actorKeyId,
          actorHolder,
          organizationId,
          action,
          subjectType,
          subjectId,
          state,
          prevHash,
          hashVersion,
        };
        await sql`DELETE FROM audit_events`.execute(database.db);
        await database.batch([insertAuditEvent(database.db, { ...event, hash: "" })]);
        const { rows } = await sql<{ text: string; back: string }>`
          SELECT ${sql.raw(PREIMAGE_SQL)} AS text, json_array(at, actor_holder, state) AS back
          FROM audit_events`.execute(database.db);
        expect(rows[0]?.text).toBe(hashPreimage(event));
        if (hashVersion === 1) expect(rows[0]?.text).toBe(JSON.stringify(values));
        // The text a row holds reads back as written: no replacement, no normalisation.
        expect(JSON.parse(rows[0]?.back ?? "null")).toEqual([at, actorHolder, state]);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
    await database.close();
  });

  it("cannot hold a lone surrogate: it reads back as U+FFFD, which is why text inputs refuse one", async () => {
    const database = await ledger();
    const { rows } = await sql<{ text: string }>`SELECT ${"a\ud800b"} AS text`.execute(database.db);
    expect(rows[0]?.text).not.toBe("a\ud800b");
    expect(rows[0]?.text).toMatch(/^a\ufffd+b$/);
    await database.close();
  });

  it("lets the bulk check pass chained events of any content, and only those", async () => {
    const database = await ledger();
    const store = createLedgerStore(database);
    const draft = fc.record({ action: text, subjectType: text, subjectId: text, state: text });
    await fc.assert(
      fc.asyncProperty(fc.array(draft, { minLength: 1, maxLength: 6 }), text, fc.nat(6), async (drafts, holder, v1) => {
        await sql`DELETE FROM audit_events`.execute(database.db);
        // The state is stored as given (canonical JSON of a string is that string, quoted). The
        // first v1 events are hashed with version 1, as a ledger older than version 2 holds them.
        const actor = { keyId: null, holder, organizationId: null };
        const older = chainEvents(GENESIS, drafts.slice(0, v1), actor, "t", 1);
        const events: AuditEvent[] = [...older, ...chainEvents(older.at(-1) ?? GENESIS, drafts.slice(v1), actor, "t")];
        await database.batch(events.map((e) => insertAuditEvent(database.db, e)));
        const range = { after: 0, upto: events.length };
        expect((await checkStretch(store, range)).clean).toBe(true);
        await sql`UPDATE audit_events SET prev_hash = hash WHERE seq = ${events.length}`.execute(database.db);
        expect((await checkStretch(store, range)).clean).toBe(false);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
    );
    await database.close();
  });

  it("finds stretches clean across both versions and multi-digit sequence numbers", async () => {
    const database = await ledger();
    const store = createLedgerStore(database);
    const actor = { keyId: "key_1", holder: "Holder", organizationId: null };
    const drafts = Array.from({ length: 125 }, (_, i) => ({
      action: "thing.changed",
      subjectType: "thing",
      subjectId: `thing_${i % 7}`,
      state: { n: i, text: 'a "quoted" \\ line' },
    }));
    const older = chainEvents(GENESIS, drafts.slice(0, 12), actor, "2025-01-01T00:00:00.000Z", 1);
    const events = [...older, ...chainEvents(older.at(-1) ?? GENESIS, drafts.slice(12), actor, "2025-01-02")];
    await database.batch(events.map((e) => insertAuditEvent(database.db, e)));
    for (const [after, upto] of [
      [0, 125],
      [1, 2],
      [9, 12],
      [11, 13],
      [19, 21],
      [99, 125],
    ] as const) {
      const report = await checkStretch(store, { after, upto });
      expect(report.clean, `(${after}, ${upto}]`).toBe(true);
      expect(report.count).toBe(upto - after);
    }
    await database.close();
  });
});
