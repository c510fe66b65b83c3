import { type Selectable, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrate } from "../../db/migrate.ts";
import { migrations } from "../../db/migrations/index.ts";
import type { AuditEventsTable } from "../../db/schema.ts";
import { toAuditEvent } from "../../db/stores/audit-events.ts";
import { canonicalJson, eventHash, GENESIS } from "../../src/domain/ledger/audit-chain.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { contractBody, decide, givenRecordedContract, givenRegisteredContract } from "../support/contracts.ts";
import { exactVerification } from "../support/exact-verification.ts";
import { givenRoles, type RoleTokens } from "../support/roles.ts";

const OFF = { limit: 0, windowMs: 60_000 };

/**
 * A ledger at schema 11 (before number keys were backfilled), with the app over it; with the
 * later registries' tables too (migration 13 on, independent of 12), since verification reads them.
 */
async function ledgerAt11() {
  const t = await createTestApp(
    { rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } },
    { migrations: [...migrations.slice(0, 11), ...migrations.slice(12)] },
  );
  expect(migrations[10]?.version).toBe(11);
  return { t, roles: await givenRoles(t) };
}

/**
 * Makes the ledger's contracts look as a ledger written before migration 10 stored them: no
 * contractNumberKey in any contract state, events or rows, and the chain hashed over those states,
 * so that verification is ok before the migration runs.
 */
async function asRecordedBeforeKeys(t: TestApp, renumber: Record<string, string> = {}) {
  const db = t.database.db;
  const { rows } = await sql<Selectable<AuditEventsTable>>`SELECT * FROM audit_events ORDER BY seq`.execute(db);
  let prev = GENESIS.hash;
  for (const row of rows) {
    let state = row.state;
    if (row.subject_type === "tech_contract") {
      const parsed = JSON.parse(state) as Record<string, unknown>;
      delete parsed.contractNumberKey;
      const number = parsed.contractNumber as string;
      if (Object.hasOwn(renumber, number)) parsed.contractNumber = renumber[number];
      state = canonicalJson(parsed);
    }
    const { hash: _, ...event } = toAuditEvent(row);
    const hash = eventHash({ ...event, state, prevHash: prev });
    await sql`UPDATE audit_events SET state = ${state}, prev_hash = ${prev}, hash = ${hash} WHERE seq = ${row.seq}`.execute(
      db,
    );
    prev = hash;
  }
  // Each row is its last event's state, as the store writes it.
  await sql`UPDATE tech_contracts SET state = (SELECT e.state FROM audit_events e
    WHERE e.subject_type = 'tech_contract' AND e.subject_id = tech_contracts.id ORDER BY e.seq DESC LIMIT 1)`.execute(
    db,
  );
  const report = await verifyLedger(t.deps);
  expect(report, JSON.stringify(report.problems)).toMatchObject({ ok: true });
}

async function keysOf(t: TestApp) {
  const { rows } = await sql<{ id: string; number: string; legacy: string | null; key: string }>`
    SELECT id, json_extract(state, '$.contractNumber') AS number, legacy_number_key AS legacy, contract_number_key AS key
    FROM tech_contracts ORDER BY id`.execute(t.database.db);
  return rows;
}

async function record(t: TestApp, roles: RoleTokens, contractNumber: string) {
  return t.call("POST", "/v1/contracts", {
    token: roles.member.token,
    body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, { contractNumber }),
  });
}

describe("migration 12: contracts recorded before number keys get their folded key", () => {
  it("folds a legacy contract's number, so the same number in another spelling is a duplicate, and verification stays ok", async () => {
    const { t, roles } = await ledgerAt11();
    const legacy = await givenRegisteredContract(t, roles, { contractNumber: "HT-LEGACY-1" });
    await asRecordedBeforeKeys(t);
    // Before the migration the raw number is the key: another spelling slips past the check.
    const { rows: before } = await sql<{ key: string }>`SELECT contract_number_key AS key FROM tech_contracts`.execute(
      t.database.db,
    );
    expect(before).toEqual([{ key: "HT-LEGACY-1" }]);

    const report = await migrate(t.database);
    expect(report.applied).toEqual([12]);
    expect(await keysOf(t)).toMatchObject([{ number: "HT-LEGACY-1", legacy: "ht-legacy-1", key: "ht-legacy-1" }]);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
    expect((await exactVerification(t.deps.store, t.database)).ok).toBe(true);

    const again = await record(t, roles, "ht\uFF0Dlegacy\uFF0D1");
    expect(again.status, again.text).toBe(409);
    expect(again.json.existingId).toBe(legacy.id);
    expect(await keysOf(t)).toHaveLength(1);

    // The contract's next event stores the key in its state, and the row still verifies.
    const cancelled = await t.call("POST", `/v1/contracts/${legacy.id}/cancellation`, {
      token: roles.operator.token,
      body: { reason: "Both parties ended the contract before work began." },
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    const [row] = await keysOf(t);
    expect(row?.key).toBe("ht-legacy-1");
    const { rows } = await sql<{ key: string }>`SELECT json_extract(state, '$.contractNumberKey') AS key
      FROM tech_contracts`.execute(t.database.db);
    expect(rows[0]?.key).toBe("ht-legacy-1");
    expect((await exactVerification(t.deps.store, t.database)).ok).toBe(true);
  });

  it("gives the second of two legacy contracts that fold to one key a key of its own, so the migration still applies", async () => {
    const { t, roles } = await ledgerAt11();
    // Two registrations of one contract in two spellings, as a ledger without folded keys allowed
    // (folding refuses the second today, so it is recorded under another number and renumbered).
    const first = await givenRegisteredContract(t, roles, { contractNumber: "HT-X-7" });
    const second = await givenRegisteredContract(t, roles, { contractNumber: "HT-X-8" });
    await asRecordedBeforeKeys(t, { "HT-X-8": "ht-x-7" });

    expect((await migrate(t.database)).applied).toEqual([12]);
    const keys = await keysOf(t);
    const byNumber = Object.fromEntries(keys.map((k) => [k.number, k]));
    expect(byNumber["HT-X-7"]?.key).not.toBe(byNumber["ht-x-7"]?.key);
    expect(keys.filter((k) => k.key === "ht-x-7")).toHaveLength(1);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
    // Both stay readable, and a third spelling is a duplicate of the one holding the folded key.
    for (const c of [first, second]) {
      expect((await t.call("GET", `/v1/contracts/${c.id}`, { token: roles.operator.token })).status).toBe(200);
    }
    const third = await record(t, roles, "Ht-X-7");
    expect(third.status, third.text).toBe(409);
  });

  it("lets a registered legacy contract hold the folded key before an older submitted one, which then cannot register", async () => {
    const { t, roles } = await ledgerAt11();
    const older = await givenRecordedContract(t, roles, { contractNumber: "Ht-Y-9" });
    const registered = await givenRegisteredContract(t, roles, { contractNumber: "HT-Y-10" });
    await asRecordedBeforeKeys(t, { "HT-Y-10": "HT-Y-9" });

    expect((await migrate(t.database)).applied).toEqual([12]);
    const byId = Object.fromEntries((await keysOf(t)).map((k) => [k.id, k]));
    expect(byId[registered.id]?.key).toBe("ht-y-9");
    expect(byId[older.id]?.key).not.toBe("ht-y-9");
    const second = await decide(t, roles.operator.token, older.id, "register");
    expect(second.status, second.text).toBe(409);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("leaves a rejected legacy contract's number free to record again", async () => {
    const { t, roles } = await ledgerAt11();
    const rejected = await givenRecordedContract(t, roles, { contractNumber: "HT-REJ-1" });
    expect((await decide(t, roles.operator.token, rejected.id, "reject", "The amounts do not match.")).status).toBe(
      200,
    );
    await asRecordedBeforeKeys(t);
    await migrate(t.database);
    expect((await keysOf(t))[0]?.legacy).toBe("ht-rej-1");
    const again = await record(t, roles, "hT-rej-1");
    expect(again.status, again.text).toBe(201);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("changes nothing on a ledger whose contracts all carry their key", async () => {
    const { t, roles } = await ledgerAt11();
    await givenRegisteredContract(t, roles, { contractNumber: "HT-NEW-1" });
    await migrate(t.database);
    expect(await keysOf(t)).toMatchObject([{ number: "HT-NEW-1", legacy: null, key: "ht-new-1" }]);
    expect((await exactVerification(t.deps.store, t.database)).ok).toBe(true);
  });
});
