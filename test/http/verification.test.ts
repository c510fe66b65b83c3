import { type RawBuilder, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { rollupsMatch } from "../../db/stores/rollup-check.ts";
import { familyTables } from "../../db/stores/rollups.ts";
import { ROLLUP_FAMILIES } from "../../src/domain/ledger/rollup-families.ts";
import type { LedgerStore, StretchRange } from "../../src/domain/ports.ts";
import { checkStretch } from "../../src/domain/verification/verify-chain.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { givenRecordedContract, givenRegisteredContract } from "../support/contracts.ts";
import { exactVerification } from "../support/exact-verification.ts";
import { givenRoles } from "../support/roles.ts";

/** A small ledger: registered contracts (one revoked), a pending one, and their volume entries. */
async function givenLedger() {
  const t = await createTestApp();
  const roles = await givenRoles(t);
  const registered = await givenRegisteredContract(t, roles);
  const revoked = await givenRegisteredContract(t, roles, { title: 'A "quoted" \\ title, 拉萨 😀' });
  await t.call("POST", `/v1/contracts/${revoked.id}/revocation`, {
    token: roles.operator.token,
    body: { reason: "Duplicate registration" },
  });
  const pending = await givenRecordedContract(t, roles);
  return { t, registered, revoked, pending };
}

type Ledger = Awaited<ReturnType<typeof givenLedger>>;

/** The store, telling `before` the name of each method called on it, before the call. */
function watching(store: LedgerStore, before: (method: string) => void): LedgerStore {
  return new Proxy(store, {
    get(target, key: string) {
      const value = (target as unknown as Record<string, unknown>)[key];
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        before(key);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const run = (t: TestApp, query: RawBuilder<unknown>) => query.execute(t.database.db);

async function eventsOf(t: TestApp, subjectId: string) {
  return t.database.db
    .selectFrom("audit_events")
    .select(["seq", "action", "state"])
    .where("subject_id", "=", subjectId)
    .orderBy("seq")
    .execute();
}

async function volumeEntryOf(t: TestApp, contractId: string) {
  return t.database.db
    .selectFrom("volume_entries")
    .select(["id", "event_seq"])
    .where("contract_id", "=", contractId)
    .executeTakeFirstOrThrow();
}

/** Edits a SQL client could make, each to a fresh ledger. */
const TAMPERINGS: [string, (l: Ledger) => Promise<unknown>][] = [
  ["nothing", async () => {}],
  ["a deleted event", ({ t }) => run(t, sql`DELETE FROM audit_events WHERE seq = 8`)],
  [
    "the newest event deleted",
    ({ t }) => run(t, sql`DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)`),
  ],
  [
    "two events swapped across a stretch boundary",
    async ({ t }) => {
      await run(t, sql`UPDATE audit_events SET seq = -1 WHERE seq = 9`);
      await run(t, sql`UPDATE audit_events SET seq = 9 WHERE seq = 10`);
      await run(t, sql`UPDATE audit_events SET seq = 10 WHERE seq = -1`);
    },
  ],
  ["an event moved past the head", ({ t }) => run(t, sql`UPDATE audit_events SET seq = 1000 WHERE seq = 12`)],
  [
    "one byte of an event's state",
    ({ t }) => run(t, sql`UPDATE audit_events SET state = replace(state, '125000050', '125000051') WHERE seq = 12`),
  ],
  ["an event's hash", ({ t }) => run(t, sql`UPDATE audit_events SET hash = upper(hash) WHERE seq = 5`)],
  ["an event's previous hash", ({ t }) => run(t, sql`UPDATE audit_events SET prev_hash = hash WHERE seq = 13`)],
  ["an event's hash version", ({ t }) => run(t, sql`UPDATE audit_events SET hash_version = 1 WHERE seq = 6`)],
  [
    "an event's text made invalid UTF-8",
    ({ t }) => run(t, sql`UPDATE audit_events SET state = CAST(x'7b22eda080227d' AS TEXT) WHERE seq = 7`),
  ],
  [
    "a contract row's amount",
    ({ t, registered }) =>
      run(
        t,
        sql`UPDATE tech_contracts SET state = json_set(state, '$.totalFen', (state ->> '$.totalFen') + 1)
            WHERE id = ${registered.id}`,
      ),
  ],
  [
    "a contract row reverted to its earlier state and event",
    async ({ t, registered }) => {
      const [recorded] = await eventsOf(t, registered.id);
      await run(
        t,
        sql`UPDATE tech_contracts SET state = ${recorded?.state}, event_seq = ${recorded?.seq} WHERE id = ${registered.id}`,
      );
    },
  ],
  [
    "a contract row naming an earlier event",
    async ({ t, registered }) => {
      const [recorded] = await eventsOf(t, registered.id);
      await run(t, sql`UPDATE tech_contracts SET event_seq = ${recorded?.seq} WHERE id = ${registered.id}`);
    },
  ],
  [
    "a volume entry naming another subject's event",
    async ({ t, registered }) => {
      const entry = await volumeEntryOf(t, registered.id);
      await run(t, sql`UPDATE volume_entries SET event_seq = ${entry.event_seq - 1} WHERE id = ${entry.id}`);
    },
  ],
  ["a contract row deleted", ({ t, pending }) => run(t, sql`DELETE FROM tech_contracts WHERE id = ${pending.id}`)],
  [
    "a volume entry row deleted",
    async ({ t, registered }) => {
      const entry = await volumeEntryOf(t, registered.id);
      await run(t, sql`DELETE FROM volume_entries WHERE id = ${entry.id}`);
    },
  ],
  [
    "a contract row with no event",
    ({ t, pending }) =>
      run(
        t,
        sql`INSERT INTO tech_contracts (id, state, event_seq)
            SELECT 'tc_ghost', json_set(state, '$.id', 'tc_ghost', '$.contractNumber', 'GHOST-1', '$.contractNumberKey', 'ghost-1'), 0
            FROM tech_contracts WHERE id = ${pending.id}`,
      ),
  ],
  [
    "an event's subject changed",
    ({ t, registered }) =>
      run(
        t,
        sql`UPDATE audit_events SET subject_id = 'tc_other' WHERE seq = (SELECT max(seq) FROM audit_events WHERE subject_id = ${registered.id})`,
      ),
  ],
  ["a monthly rollup cell", ({ t }) => run(t, sql`UPDATE volume_monthly SET count = count + 1 WHERE cuboid = 3`)],
  ["a full-set rollup cell", ({ t }) => run(t, sql`UPDATE volume_monthly SET total_fen = 1 WHERE cuboid = 127`)],
  ["a period rollup cell", ({ t }) => run(t, sql`UPDATE volume_periods SET technology_fen = 0 WHERE grain = 'year'`)],
  ["a daily rollup cell", ({ t }) => run(t, sql`DELETE FROM volume_daily`)],
  [
    "the gross that keeps sums exact",
    ({ t }) => run(t, sql`UPDATE rollup_gross SET gross = 0 WHERE family = 'volume' AND measure = 'total_fen'`),
  ],
  [
    "an extra rollup cell",
    ({ t }) =>
      run(
        t,
        sql`INSERT INTO volume_monthly SELECT 1, '2020-01', type, '', '', '', '', '', '', 1, 1, 1, 1, 1 FROM volume_monthly LIMIT 1`,
      ),
  ],
  [
    "a monthly cell's largest entry lowered (disclosure control would publish a dominated cell)",
    ({ t }) => run(t, sql`UPDATE volume_monthly SET largest_total_fen = 1 WHERE cuboid = 127`),
  ],
  [
    "a period cell's largest entry lowered",
    ({ t }) => run(t, sql`UPDATE volume_periods SET largest_technology_fen = 0 WHERE cuboid = 0`),
  ],
  [
    "an organisation written outside the ledger",
    ({ t }) =>
      run(
        t,
        sql`INSERT INTO organizations (id, name, kind, role, credit_code, region_code, created_at)
            VALUES ('org_ghost', 'Ghost', 'enterprise', 'member', NULL, '540102', '2025-01-01T00:00:00Z')`,
      ),
  ],
];

describe("verification in bulk", () => {
  for (const [name, tamper] of TAMPERINGS) {
    it(`reports what the exact, event-by-event check reports: ${name}`, async () => {
      const ledger = await givenLedger();
      await tamper(ledger);
      const exact = await exactVerification(ledger.t.deps.store, ledger.t.database);
      expect(exact.ok).toBe(name === "nothing");
      // Stretches of three events put every edit near a stretch boundary; the default, one stretch.
      expect(await verifyLedger(ledger.t.deps, { stretchEvents: 3 })).toEqual(exact);
      expect(await verifyLedger(ledger.t.deps)).toEqual(exact);
    });
  }

  it("takes the bulk path on an untouched ledger: no event, subject or rollup is rechecked one by one", async () => {
    const { t } = await givenLedger();
    const slow = new Set(["listAuditEvents", "suspectStateSubjects", "countStateSubjects"]);
    const calls: string[] = [];
    const store = watching(t.deps.store, (method) => {
      if (slow.has(method)) calls.push(method);
    });
    expect((await verifyLedger({ store }, { stretchEvents: 3 })).ok).toBe(true);
    expect(calls).toEqual([]);
    const volume = familyTables(ROLLUP_FAMILIES.volume_entry);
    expect(await rollupsMatch(t.database.db, volume)).toBe(true);
    await run(t, sql`UPDATE volume_periods SET count = count + 1 WHERE grain = 'quarter' AND cuboid = 5`);
    expect(await rollupsMatch(t.database.db, volume)).toBe(false);
  });

  it("checks itself any stretch the stretch checker left out, so a lost share cannot pass as a shorter chain", async () => {
    const { t } = await givenLedger();
    const { seq } = await t.database.db
      .selectFrom("audit_events")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .executeTakeFirstOrThrow();
    // Only the chain shows this: the instant is in the hash, in no row.
    await run(t, sql`UPDATE audit_events SET at = '2020-01-01T00:00:00.000Z' WHERE seq = ${seq - 1}`);
    const exact = await exactVerification(t.deps.store, t.database);
    expect(exact.firstInvalidSeq).toBe(seq - 1);
    const options = { stretchEvents: 3 };
    // A checker that returns nothing, and one that returns only the first half of its stretches.
    expect(await verifyLedger({ ...t.deps, checkStretches: async () => [] }, options)).toEqual(exact);
    const half = {
      ...t.deps,
      checkStretches: async (ranges: StretchRange[]) =>
        Promise.all(ranges.slice(0, ranges.length / 2).map((range) => checkStretch(t.deps.store, range))),
    };
    expect(await verifyLedger(half, options)).toEqual(exact);
  });

  it("gives the event loop a turn between its statements, so workers' messages and requests are served", async () => {
    const { t } = await givenLedger();
    const blocking = new Set(["checkSubjects", "stateSubjectTotals", "checkRollups"]);
    let turns = 0;
    const seen: number[] = [];
    const store = watching(t.deps.store, (method) => {
      if (!blocking.has(method)) return;
      // A macrotask queued now runs before the next statement only if the loop gets a turn.
      seen.push(turns);
      setImmediate(() => {
        turns++;
      });
    });
    expect((await verifyLedger({ store })).ok).toBe(true);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen).toEqual(seen.map((_, i) => i));
  });

  it("runs one verification at a time over HTTP: a request arriving meanwhile shares its report", async () => {
    const { t } = await givenLedger();
    const operator = await givenRoles(t);
    let headReads = 0;
    const counting = watching(t.deps.store, (method) => {
      if (method === "auditHead") headReads++;
    });
    Object.assign(t.deps, { store: counting });
    const verify = () => t.call("GET", "/v1/audit/verification", { token: operator.operator.token });
    headReads = 0;
    expect((await verify()).json.ok).toBe(true);
    const alone = headReads;
    headReads = 0;
    const [a, b] = await Promise.all([verify(), verify()]);
    expect(a.json).toEqual(b.json);
    expect(a.json.ok).toBe(true);
    expect(headReads).toBe(alone);
  });

  it("catches a row reverted to an older event's state, at the subject's last event", async () => {
    const { t, registered } = await givenLedger();
    const [recorded, last] = await eventsOf(t, registered.id);
    await run(
      t,
      sql`UPDATE tech_contracts SET state = ${recorded?.state}, event_seq = ${recorded?.seq} WHERE id = ${registered.id}`,
    );
    const report = await verifyLedger(t.deps);
    expect(report.firstInvalidSeq).toBe(last?.seq);
    expect(report.problems).toEqual([
      {
        seq: last?.seq,
        subject: `tech_contract ${registered.id}`,
        detail: "the row differs from the state its last event recorded",
      },
    ]);
  });

  it("catches a row naming an older event, though its state is the last one's", async () => {
    const { t, registered } = await givenLedger();
    const [recorded, last] = await eventsOf(t, registered.id);
    await run(t, sql`UPDATE tech_contracts SET event_seq = ${recorded?.seq} WHERE id = ${registered.id}`);
    const report = await verifyLedger(t.deps);
    expect(report.problems).toEqual([
      {
        seq: last?.seq,
        subject: `tech_contract ${registered.id}`,
        detail: `the row names event ${recorded?.seq}, not its last event`,
      },
    ]);
  });

  it("catches a missing volume entry row and a contract row no event accounts for", async () => {
    const { t, registered, pending } = await givenLedger();
    const entry = await volumeEntryOf(t, registered.id);
    await run(t, sql`DELETE FROM volume_entries WHERE id = ${entry.id}`);
    await run(
      t,
      sql`INSERT INTO tech_contracts (id, state, event_seq)
          SELECT 'tc_ghost', json_set(state, '$.id', 'tc_ghost', '$.contractNumber', 'GHOST-1', '$.contractNumberKey', 'ghost-1'), 0
          FROM tech_contracts WHERE id = ${pending.id}`,
    );
    const report = await verifyLedger(t.deps);
    expect(report.firstInvalidSeq).toBe(entry.event_seq);
    expect(report.problems.filter((p) => p.subject !== "rollup")).toEqual([
      { seq: entry.event_seq, subject: `volume_entry ${entry.id}`, detail: "the row its events describe is missing" },
      {
        seq: null,
        subject: "tech_contract tc_ghost",
        detail: "the row has no event: it was written outside the ledger",
      },
    ]);
  });

  it("refuses an edit to a generated column: only the state can change, and verification compares that", async () => {
    const { t, registered } = await givenLedger();
    await expect(run(t, sql`UPDATE tech_contracts SET total_fen = 1 WHERE id = ${registered.id}`)).rejects.toThrow(
      /cannot UPDATE generated column "total_fen"/,
    );
    await expect(run(t, sql`UPDATE volume_entries SET entry_on = '2025-01-01'`)).rejects.toThrow(
      /cannot UPDATE generated column "entry_on"/,
    );
    await expect(run(t, sql`UPDATE tech_contracts SET id = 'tc_other' WHERE id = ${registered.id}`)).rejects.toThrow(
      /CHECK constraint failed/,
    );
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("stores a row as the very text of its last event, quotes, backslashes, Chinese and emoji included", async () => {
    const { t, revoked } = await givenLedger();
    const events = await eventsOf(t, revoked.id);
    const row = await t.database.db
      .selectFrom("tech_contracts")
      .select(["state", "event_seq", "title", "status"])
      .where("id", "=", revoked.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      state: events.at(-1)?.state,
      event_seq: events.at(-1)?.seq,
      title: 'A "quoted" \\ title, 拉萨 😀',
      status: "revoked",
    });
  });
});
