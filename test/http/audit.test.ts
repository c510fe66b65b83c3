import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { decide, givenRecordedContract, givenRegisteredContract } from "../support/contracts.ts";
import { expectRoleMatrix, givenRoles, type RoleTokens } from "../support/roles.ts";

async function eventOf(t: TestApp, subjectId: string, action: string) {
  return t.database.db
    .selectFrom("audit_events")
    .selectAll()
    .where("subject_id", "=", subjectId)
    .where("action", "=", action)
    .executeTakeFirstOrThrow();
}

describe("the audit chain", () => {
  let t: TestApp;
  let roles: RoleTokens;
  let registered: any;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
    registered = await givenRegisteredContract(t, roles);
    await givenRecordedContract(t, roles);
    await t.call("POST", `/v1/contracts/${registered.id}/revocation`, {
      token: roles.operator.token,
      body: { reason: "Fraudulent invoice" },
    });
  });

  it("records every change with who, when, what and the full state", async () => {
    const response = await t.call("GET", "/v1/audit/events?limit=500", { token: roles.operator.token });
    expect(response.status).toBe(200);
    const actions = response.json.items.map((e: { action: string }) => e.action);
    expect(actions.slice(7)).toEqual([
      "tech_contract.recorded",
      "tech_contract.registered",
      "volume_entry.recorded",
      "tech_contract.recorded",
      "tech_contract.revoked",
      "volume_entry.recorded",
    ]);
    const revoked = response.json.items.find((e: { action: string }) => e.action === "tech_contract.revoked");
    expect(revoked).toMatchObject({
      actor: { keyId: roles.operator.keyId, holder: "Operator One" },
      subjectType: "tech_contract",
      subjectId: registered.id,
      state: { status: "revoked", endReason: "Fraudulent invoice", totalFen: 125_000_050 },
    });
    expect(response.json.nextCursor).toBeNull();
    const paged = await t.call("GET", "/v1/audit/events?after=10&limit=1", { token: roles.operator.token });
    expect(paged.json.items.map((e: { seq: number }) => e.seq)).toEqual([11]);
    expect(paged.json.nextCursor).toBe("11");
    const next = await t.call("GET", `/v1/audit/events?cursor=${paged.json.nextCursor}&limit=1`, {
      token: roles.operator.token,
    });
    expect(next.json.items.map((e: { seq: number }) => e.seq)).toEqual([12]);
  });

  it("verifies a ledger nobody touched", async () => {
    const response = await t.call("GET", "/v1/audit/verification", { token: roles.operator.token });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ ok: true, checked: 13, firstInvalidSeq: null, problems: [] });
    expect(response.json.head.seq).toBe(13);
    expect(response.json.subjectsChecked).toBe(7 + 2 + 2);
  });

  it("is for operators only", async () => {
    for (const path of ["/v1/audit/events", "/v1/audit/verification"]) {
      await expectRoleMatrix(t, roles, { public: 401, member: 403, otherMember: 403, operator: 200 }, () => ({
        method: "GET",
        path,
      }));
    }
    const bad = await t.call("GET", "/v1/audit/events?after=-1&limit=0", { token: roles.operator.token });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(["after", "limit"]);
  });

  it("catches an amount changed with a SQL client, at the contract's last event", async () => {
    // The amount column is generated from the row's state: the state is what a SQL client can edit.
    await expect(
      sql`UPDATE tech_contracts SET total_fen = total_fen + 1 WHERE id = ${registered.id}`.execute(t.database.db),
    ).rejects.toThrow(/cannot UPDATE generated column/);
    await sql`UPDATE tech_contracts SET state = json_set(state, '$.totalFen', total_fen + 1)
      WHERE id = ${registered.id}`.execute(t.database.db);
    const report = await verifyLedger(t.deps);
    const last = await eventOf(t, registered.id, "tech_contract.revoked");
    expect(report.ok).toBe(false);
    expect(report.firstInvalidSeq).toBe(last.seq);
    expect(report.problems[0]?.detail).toMatch(/differs from the state its last event recorded/);
  });

  it("catches a changed volume entry", async () => {
    await sql`UPDATE volume_entries SET state = json_set(state, '$.entryOn', '2025-06-01')
      WHERE kind = 'registration'`.execute(t.database.db);
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.subject).toMatch(/^volume_entry ve_/);
  });

  it("catches one byte changed in an event", async () => {
    const event = await eventOf(t, registered.id, "tech_contract.registered");
    await sql`UPDATE audit_events SET state = replace(state, '125000050', '125000051') WHERE seq = ${event.seq}`.execute(
      t.database.db,
    );
    const report = await verifyLedger(t.deps);
    expect(report.firstInvalidSeq).toBe(event.seq);
    expect(report.problems[0]?.detail).toMatch(/does not match its hash/);
  });

  it("catches a deleted event", async () => {
    await sql`DELETE FROM audit_events WHERE seq = 8`.execute(t.database.db);
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(report.firstInvalidSeq).toBe(8);
    expect(report.problems[0]?.detail).toMatch(/event 8 is missing/);
  });

  it("catches two swapped events", async () => {
    await sql`UPDATE audit_events SET seq = -1 WHERE seq = 9`.execute(t.database.db);
    await sql`UPDATE audit_events SET seq = 9 WHERE seq = 10`.execute(t.database.db);
    await sql`UPDATE audit_events SET seq = 10 WHERE seq = -1`.execute(t.database.db);
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(report.firstInvalidSeq).toBe(9);
  });

  it("catches a deleted contract row and a row written outside the ledger", async () => {
    const pending = (
      await t.database.db
        .selectFrom("tech_contracts")
        .select("id")
        .where("status", "=", "submitted")
        .executeTakeFirstOrThrow()
    ).id;
    await sql`DELETE FROM tech_contracts WHERE id = ${pending}`.execute(t.database.db);
    await sql`INSERT INTO organizations (id, name, kind, role, credit_code, region_code, created_at)
      VALUES ('org_ghost', 'Ghost', 'enterprise', 'member', NULL, '540102', '2025-01-01T00:00:00Z')`.execute(
      t.database.db,
    );
    const report = await verifyLedger(t.deps);
    const recorded = await eventOf(t, pending, "tech_contract.recorded");
    expect(report.firstInvalidSeq).toBe(recorded.seq);
    expect(report.problems.map((p) => p.detail)).toEqual([
      "the row its events describe is missing",
      "the row has no event: it was written outside the ledger",
    ]);
  });

  it("keeps a rejected contract's decision in the chain too", async () => {
    const recorded = await givenRecordedContract(t, roles);
    await decide(t, roles.operator.token, recorded.id, "reject", "Incomplete");
    const event = await eventOf(t, recorded.id, "tech_contract.rejected");
    expect(JSON.parse(event.state)).toMatchObject({ status: "rejected", decisionReason: "Incomplete" });
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });
});
