import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openD1 } from "../../db/dialects/d1.ts";
import { rollupsMatch } from "../../db/stores/rollup-check.ts";
import { familyTables } from "../../db/stores/rollups.ts";
import { memoryVault } from "../../src/crypto/key-vault.ts";
import { ROLLUP_FAMILIES } from "../../src/domain/ledger/rollup-families.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { checkStretch } from "../../src/domain/verification/verify-chain.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";

async function call(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  headers: Record<string, string> = {},
) {
  const all: Record<string, string> = { ...headers };
  if (body !== undefined) all["content-type"] = "application/json";
  if (token) all.authorization = `Bearer ${token}`;
  const response = await SELF.fetch(`https://ledger.test${path}`, {
    method,
    headers: all,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as any };
}

describe("the contract lifecycle on D1 (workerd)", () => {
  it("records, registers with two operators, replays a retry, revokes, and verifies", async () => {
    expect((await call("GET", "/healthz")).status).toBe(200);
    const deps = await buildDeps(openD1(env.DB), parseConfig({}), { vault: memoryVault() });
    const one = await createOperator(deps, "One");
    const two = await createOperator(deps, "Two");
    const token = async (apiKey: string) =>
      (await call("POST", "/v1/auth/token", { apiKey })).json.accessToken as string;
    const op1 = await token(one.apiKey);
    const op2 = await token(two.apiKey);

    const orgs = [];
    for (const [name, creditCode] of [
      ["Tibet University", "91350100M000100Y43"],
      ["Lhasa Plateau Tech", "91110000600037341L"],
    ]) {
      const org = await call(
        "POST",
        "/v1/organizations",
        { name, kind: "university", creditCode, regionCode: "540102" },
        op1,
      );
      const key = await call("POST", `/v1/organizations/${org.json.id}/api-keys`, { holder: "Registrar" }, op1);
      orgs.push({ id: org.json.id as string, token: await token(key.json.apiKey) });
    }
    const [seller, buyer] = orgs as [{ id: string; token: string }, { id: string; token: string }];

    const body = {
      title: "Yak milk processing line",
      contractNumber: "W-1",
      type: "transfer",
      subType: "patent_right",
      seller: { organizationId: seller.id },
      buyer: { organizationId: buyer.id },
      signedOn: "2025-01-10",
      validFrom: "2025-01-10",
      validTo: "2026-01-09",
      totalAmount: "7000000",
      technologyAmount: "6500000.25",
      techField: "agriculture",
      ipType: "patent",
    };
    const headers = { "idempotency-key": "w-1" };
    const recorded = await call("POST", "/v1/contracts", body, seller.token, headers);
    expect(recorded.status).toBe(201);
    const retry = await call("POST", "/v1/contracts", body, seller.token, headers);
    expect(retry.json).toEqual(recorded.json);
    const invalid = await call("POST", "/v1/contracts", { ...body, technologyAmount: "8000000" }, buyer.token);
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors[0].pointer).toBe("/technologyAmount");

    const path = `/v1/contracts/${recorded.json.id}`;
    const first = await call("POST", `${path}/decisions`, { decision: "register" }, op1);
    expect(first.json.status).toBe("submitted");
    const second = await call("POST", `${path}/decisions`, { decision: "register" }, op2);
    expect(second.json).toMatchObject({ status: "registered", technologyAmount: "6500000.25" });
    expect(second.json.registrationNumber).toMatch(/^\d{4}540100000001$/);

    const revoked = await call("POST", `${path}/revocation`, { reason: "Void" }, op1);
    expect(revoked.json.status).toBe("revoked");
    const entries = await env.DB.prepare("SELECT kind, total_fen FROM volume_entries ORDER BY kind").bind().all();
    expect(entries.results).toEqual([
      { kind: "registration", total_fen: 700_000_000 },
      { kind: "revocation", total_fen: -700_000_000 },
    ]);

    // The other path: sent back, corrected by the submitter, registered, then cancelled by a party.
    const other = await call(
      "POST",
      "/v1/contracts",
      { ...body, contractNumber: "W-2", technologyAmount: "100" },
      buyer.token,
    );
    expect(other.status).toBe(201);
    const otherPath = `/v1/contracts/${other.json.id}`;
    const sentBack = await call(
      "POST",
      `${otherPath}/decisions`,
      { decision: "request_correction", reason: "Split equipment" },
      op1,
    );
    expect(sentBack.json.status).toBe("correction_requested");
    // Both amounts under 5,000,000 yuan: one operator registers it.
    const corrected = await call("PATCH", otherPath, { totalAmount: "120", technologyAmount: "90.50" }, buyer.token);
    expect(corrected.json).toMatchObject({ status: "submitted", technologyAmount: "90.50", large: false, revision: 3 });
    const registered = await call("POST", `${otherPath}/decisions`, { decision: "register" }, op2);
    expect(registered.json.registrationNumber).toMatch(/^\d{4}540100000002$/);
    const cancelled = await call("POST", `${otherPath}/cancellation`, { reason: "Rescinded" }, seller.token);
    expect(cancelled.json).toMatchObject({ status: "cancelled", endReason: "Rescinded" });

    const verification = await call("GET", "/v1/audit/verification", undefined, op1);
    expect(verification.json).toMatchObject({ ok: true, problems: [] });
    // It got there in bulk on D1 too: the chain's stretch and the rollups pass without the exact path.
    const head = await deps.store.auditHead();
    expect((await checkStretch(deps.store, { after: 0, upto: head.seq })).clean).toBe(true);
    expect(await rollupsMatch(openD1(env.DB).db, familyTables(ROLLUP_FAMILIES.volume_entry))).toBe(true);
    await env.DB.prepare("UPDATE tech_contracts SET state = json_set(state, '$.technologyFen', 1) WHERE id = ?")
      .bind(recorded.json.id)
      .all();
    const tampered = await verifyLedger(deps);
    expect(tampered.ok).toBe(false);
    expect(tampered.problems[0]?.subject).toBe(`tech_contract ${recorded.json.id}`);

    // A deleted event: the bulk check of its stretch fails and the exact one names it, on D1 too.
    await env.DB.prepare("DELETE FROM audit_events WHERE seq = 9").bind().all();
    const gap = await verifyLedger(deps, { stretchEvents: 4 });
    expect(gap.firstInvalidSeq).toBe(9);
    expect(gap.problems[0]).toEqual({ seq: 9, detail: "event 9 is missing (next stored is 10)" });
  });
});
