import { createHash } from "node:crypto";
import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import { type Selectable, sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { AuditEventsTable } from "../../db/schema.ts";
import { toAuditEvent } from "../../db/stores/audit-events.ts";
import { fromHex, leafHash, rootOf, verifyConsistency, verifyInclusion } from "../../src/crypto/merkle.ts";
import { eventHash, GENESIS } from "../../src/domain/ledger/audit-chain.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenBank } from "../support/given-pledge.ts";
import { givenRoles, type RoleTokens, travel } from "../support/roles.ts";

const OFF = { limit: 0, windowMs: 60_000 };
const encoder = new TextEncoder();

async function market() {
  const t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } });
  const roles = await givenRoles(t);
  return { t, roles };
}

async function publish(t: TestApp, roles: RoleTokens, period: string) {
  return t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: { period } });
}

/** Checks a bulletin's JWS against the published JWKS, as an outsider would, and returns its payload. */
async function verifiedPayload(t: TestApp, jws: string) {
  const header = decodeProtectedHeader(jws);
  expect(header).toMatchObject({ alg: "EdDSA", typ: "bulletin+jws" });
  const jwks = (await t.call("GET", "/.well-known/jwks.json")).json;
  const jwk = jwks.keys.find((k: { kid: string }) => k.kid === header.kid);
  expect(jwk).toBeDefined();
  const { payload } = await compactVerify(jws, await importJWK(jwk, "EdDSA"));
  return JSON.parse(new TextDecoder().decode(payload));
}

describe("statistics bulletins", () => {
  it("publishes a closed month, signed; its tree holds every entry; a party's proof verifies; the next links with a consistency proof", async () => {
    const { t, roles } = await market();
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    const a = await givenRegisteredContract(t, roles, { totalAmount: "300000", technologyAmount: "100000" });
    await givenRegisteredContract(t, roles, { totalAmount: "400000", technologyAmount: "100000" });
    await givenRegisteredContract(t, roles, { totalAmount: "500000", technologyAmount: "100000" });

    // July has not ended yet.
    const early = await publish(t, roles, "2025-07");
    expect(early.status, early.text).toBe(409);
    expect(early.json.detail).toMatch(/has not ended/);

    await travel(t, roles, "2025-08-03T02:00:00.000Z");
    const late = await givenRegisteredContract(t, roles, { totalAmount: "600000", technologyAmount: "100000" });
    const first = await publish(t, roles, "2025-07");
    expect(first.status, first.text).toBe(201);
    const bulletin = first.json;
    expect(bulletin).toMatchObject({ sequence: 1, period: "2025-07" });
    const payload = await verifiedPayload(t, bulletin.jws);
    expect(payload).toEqual(bulletin.payload);
    expect(payload).toMatchObject({
      sequence: 1,
      from: "2025-07-01",
      to: "2025-07-31",
      previous: null,
      consistencyProof: [],
      figures: { count: 3, totalAmount: "1200000.00" },
      merkle: { treeSize: 3 },
    });
    expect(payload.figures.byType).toEqual([
      { type: "development", count: 3, totalAmount: "1200000.00", technologyAmount: "300000.00" },
    ]);
    expect(payload.goals[0]).toMatchObject({ id: "plan", cumulativeAmount: "1200000.00", reachedOn: null });
    const head = (await t.call("GET", "/v1/audit/verification", { token: roles.operator.token })).json.head;
    expect(payload.ledgerHead.seq).toBeLessThan(head.seq);

    // The auditor's export: every leaf, whose root is the bulletin's.
    const entries = await t.call("GET", `/v1/bulletins/${bulletin.id}/entries`, { token: roles.operator.token });
    expect(entries.status).toBe(200);
    expect(entries.headers.get("content-type")).toContain("application/x-ndjson");
    const leaves = entries.text.trim().split("\n");
    expect(leaves).toHaveLength(3);
    expect(rootOf(leaves.map((leaf) => leafHash(encoder.encode(leaf)))).toString("hex")).toBe(payload.merkle.rootHash);
    expect(leaves.join("")).not.toContain(late.id);

    // A party checks its contract's entry against the signed root.
    const proof = await t.call("GET", `/v1/bulletins/${bulletin.id}/proofs/${a.id}`, { token: roles.member.token });
    expect(proof.status, proof.text).toBe(200);
    expect(proof.json.items).toHaveLength(1);
    const [item] = proof.json.items;
    expect(JSON.parse(item.leaf).contractId).toBe(a.id);
    expect(
      verifyInclusion(
        leafHash(encoder.encode(item.leaf)),
        item.leafIndex,
        proof.json.treeSize,
        item.auditPath.map(fromHex),
        fromHex(payload.merkle.rootHash),
      ),
    ).toBe(true);

    // Once per period; the next period links to this one.
    const again = await publish(t, roles, "2025-07");
    expect(again.status).toBe(409);
    expect(again.json.existingId).toBe(bulletin.id);
    // A retry under the same Idempotency-Key replays the first answer; another body is refused.
    const keyed = (period: string) =>
      t.call("POST", "/v1/bulletins", {
        token: roles.operator.token,
        body: { period },
        headers: { "idempotency-key": "bulletin-retry-1" },
      });
    const firstTry = await keyed("2025-Q2");
    expect(firstTry.status, firstTry.text).toBe(201);
    const retry = await keyed("2025-Q2");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.json.id).toBe(firstTry.json.id);
    expect((await keyed("2025-H1")).status).toBe(422);
    await travel(t, roles, "2025-09-02T02:00:00.000Z");
    const second = await publish(t, roles, "2025-08");
    expect(second.status, second.text).toBe(201);
    const next = await verifiedPayload(t, second.json.jws);
    expect(next.previous).toEqual({
      sequence: 2,
      jwsHash: createHash("sha256").update(firstTry.json.jws).digest("hex"),
      treeSize: 0,
    });
    expect(next.merkle.treeSize).toBe(4);
    expect(
      verifyConsistency(
        0,
        4,
        fromHex(firstTry.json.payload.merkle.rootHash),
        fromHex(next.merkle.rootHash),
        next.consistencyProof.map(fromHex),
      ),
    ).toBe(true);
    const listed = (await t.call("GET", "/v1/bulletins")).json.items;
    expect(listed.map((b: { sequence: number }) => b.sequence)).toEqual([3, 2, 1]);
    expect((await t.call("GET", `/v1/bulletins/${bulletin.id}`)).json).toEqual(bulletin);
  });

  it("refuses bad periods with the field named, and keeps proofs and entries to those allowed", async () => {
    const { t, roles } = await market();
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    const contract = await givenRegisteredContract(t, roles);
    await travel(t, roles, "2026-02-03T02:00:00.000Z");
    for (const period of ["2025-13", "2025-Q5", "25", "2025-H3", ""]) {
      const response = await publish(t, roles, period);
      expect(response.status, period).toBe(400);
      expect(response.json.errors[0].pointer).toBe("/period");
    }
    const missing = await t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: {} });
    expect(missing.status).toBe(400);
    const byMember = await t.call("POST", "/v1/bulletins", { token: roles.member.token, body: { period: "2025" } });
    expect(byMember.status).toBe(403);
    expect(await t.call("GET", "/v1/bulletins").then((r) => r.json.items)).toEqual([]);

    const year = await publish(t, roles, "2025");
    expect(year.status, year.text).toBe(201);
    const id = year.json.id;
    expect((await t.call("GET", `/v1/bulletins/${id}/entries`, { token: roles.member.token })).status).toBe(403);
    expect((await t.call("GET", `/v1/bulletins/${id}/entries`)).status).toBe(401);
    // A member that is not a party sees no proof of the contract (as it sees no contract).
    const bank = await givenBank(t, roles);
    const outsider = await t.call("GET", `/v1/bulletins/${id}/proofs/${contract.id}`, { token: bank.token });
    expect(outsider.status).toBe(404);
    const seller = await t.call("GET", `/v1/bulletins/${id}/proofs/${contract.id}`, { token: roles.member.token });
    expect(seller.json.items).toHaveLength(1);
    expect((await t.call("GET", `/v1/bulletins/nope`)).status).toBe(404);
    // A half and a quarter of the same year are periods of their own, linked in publication order.
    const half = await publish(t, roles, "2025-H2");
    expect(half.status).toBe(201);
    expect(half.json.payload.previous.sequence).toBe(1);
    expect(half.json.payload.merkle.treeSize).toBe(1);
  });
});

describe("the published past is anchored", () => {
  async function published() {
    const { t, roles } = await market();
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "300000", technologyAmount: "100000" });
    await givenRegisteredContract(t, roles, { totalAmount: "400000", technologyAmount: "100000" });
    await travel(t, roles, "2025-08-03T02:00:00.000Z");
    const bulletin = (await publish(t, roles, "2025-07")).json;
    expect((await verifyLedger(t.deps)).ok).toBe(true);
    return { t, roles, bulletin };
  }

  it("catches the newest events deleted: the bulletin's head is gone from the chain", async () => {
    const { t, bulletin } = await published();
    const cut = bulletin.payload.ledgerHead.seq;
    await sql`DELETE FROM audit_events WHERE seq >= ${cut}`.execute(t.database.db);
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({
        subject: "bulletin",
        detail: expect.stringMatching(
          /^bulletin 1 \(2025-07, held by the ledger\) was cut at event \d+, but the chain ends/,
        ),
      }),
    );
  });

  it("catches the chain re-hashed from before a bulletin, by the bulletin held and by one kept outside", async () => {
    const { t, bulletin } = await published();
    // Rewrite one early event's time and re-hash every event after it: the chain is whole again.
    const db = t.database.db;
    const { rows } = await sql<Selectable<AuditEventsTable>>`SELECT * FROM audit_events ORDER BY seq`.execute(db);
    let prev = GENESIS.hash;
    for (const row of rows) {
      const { hash: _, ...event } = toAuditEvent(row);
      const at = row.seq === 3 ? "2025-06-02T02:00:01.000Z" : event.at;
      const hash = eventHash({ ...event, at, prevHash: prev });
      await sql`UPDATE audit_events SET at = ${at}, prev_hash = ${prev}, hash = ${hash} WHERE seq = ${row.seq}`.execute(
        db,
      );
      prev = hash;
    }
    const held = await verifyLedger(t.deps);
    expect(held.ok).toBe(false);
    expect(held.problems).toEqual([
      expect.objectContaining({
        subject: "bulletin",
        detail: expect.stringMatching(/no longer has the hash bulletin 1/),
      }),
    ]);
    // Whoever also removed the bulletin from the file is caught by anyone who kept it.
    await sql`DELETE FROM bulletins`.execute(db);
    await sql`DELETE FROM audit_events WHERE subject_type = 'bulletin'`.execute(db);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
    const kept = await verifyLedger(t.deps, { bulletins: [{ payload: bulletin.payload, source: "kept.json" }] });
    expect(kept.ok).toBe(false);
    expect(kept.problems[0]?.detail).toMatch(/bulletin 1 \(2025-07, kept\.json\)/);
  });

  it("catches a counted entry removed, against the bulletin's root", async () => {
    const { t, bulletin } = await published();
    const kept = [{ payload: bulletin.payload, source: "kept.json" }];
    // An entry's row changed in place (its event too, re-hashed, so only the tree can tell).
    await sql`UPDATE volume_entries SET state = replace(state, '"recordedAt":"2025', '"recordedAt":"2024')`.execute(
      t.database.db,
    );
    const report = await verifyLedger(t.deps, { bulletins: kept });
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => /no longer hash to its root/.test(p.detail))).toBe(true);
  });
});
