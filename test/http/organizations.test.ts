import { beforeEach, describe, expect, it } from "vitest";
import { countRows, createTestApp, type TestApp, validCreditCode } from "../support/app.ts";
import { expectRoleMatrix, givenRoles, type RoleTokens } from "../support/roles.ts";

const university = (n = 1) => ({
  name: "西藏大学 Tibet University",
  kind: "university",
  creditCode: validCreditCode(1000 + n),
  regionCode: "540102",
});

describe("organisations", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("creates an organisation and reads it back", async () => {
    const created = await t.call("POST", "/v1/organizations", { token: roles.operator.token, body: university() });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ ...university(), role: "member" });
    expect(created.json.id).toMatch(/^org_/);
    const read = await t.call("GET", `/v1/organizations/${created.json.id}`, { token: roles.operator.token });
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);
  });

  it("names every invalid field and writes nothing", async () => {
    const before = await countRows(t, "organizations");
    const response = await t.call("POST", "/v1/organizations", {
      token: roles.operator.token,
      body: { name: " ", kind: "company", creditCode: "91350100M000100Y44", regionCode: "54010", extra: true },
    });
    expect(response.status).toBe(400);
    expect(response.json.type).toBe("urn:tech-market-ledger:problem:validation");
    const pointers = response.json.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual(["/creditCode", "/extra", "/kind", "/name", "/regionCode"]);
    expect(response.json.errors.find((e: { pointer: string }) => e.pointer === "/creditCode").detail).toMatch(
      /check character/,
    );
    expect(await countRows(t, "organizations")).toBe(before);
    expect(await countRows(t, "audit_events")).toBeGreaterThan(0);
  });

  it("refuses numbers where strings belong and a missing body", async () => {
    const typed = await t.call("POST", "/v1/organizations", {
      token: roles.operator.token,
      body: { ...university(), regionCode: 540102 },
    });
    expect(typed.status).toBe(400);
    expect(typed.json.errors[0].pointer).toBe("/regionCode");
    const empty = await t.call("POST", "/v1/organizations", { token: roles.operator.token });
    expect(empty.status).toBe(400);
    expect(empty.json.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      "/creditCode",
      "/kind",
      "/name",
      "/regionCode",
    ]);
  });

  it("refuses a second organisation with the same credit code, naming the first", async () => {
    const first = await t.call("POST", "/v1/organizations", { token: roles.operator.token, body: university() });
    const again = await t.call("POST", "/v1/organizations", {
      token: roles.operator.token,
      body: { ...university(), name: "Another name" },
    });
    expect(again.status).toBe(409);
    expect(again.json.existingId).toBe(first.json.id);
  });

  it("replays an Idempotency-Key retry and refuses the key with another body", async () => {
    const headers = { "idempotency-key": "org-create-1" };
    const first = await t.call("POST", "/v1/organizations", {
      token: roles.operator.token,
      body: university(),
      headers,
    });
    const before = await countRows(t, "organizations");
    const retry = await t.call("POST", "/v1/organizations", {
      token: roles.operator.token,
      body: university(),
      headers,
    });
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await countRows(t, "organizations")).toBe(before);
    const other = await t.call("POST", "/v1/organizations", {
      token: roles.operator.token,
      body: university(2),
      headers,
    });
    expect(other.status).toBe(422);
    expect(await countRows(t, "organizations")).toBe(before);
  });

  it("creates exactly one organisation for concurrent retries of one key", async () => {
    const before = await countRows(t, "organizations");
    const headers = { "idempotency-key": "race-1" };
    const responses = await Promise.all(
      Array.from({ length: 32 }, () =>
        t.call("POST", "/v1/organizations", { token: roles.operator.token, body: university(7), headers }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(32).fill(201));
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    expect(await countRows(t, "organizations")).toBe(before + 1);
  });

  it("lets only operators create; members read only their own; others get 404", async () => {
    let n = 10;
    await expectRoleMatrix(t, roles, { public: 401, member: 403, otherMember: 403, operator: 201 }, () => ({
      method: "POST",
      path: "/v1/organizations",
      body: university(n++),
    }));
    const own = `/v1/organizations/${roles.member.organization.id}`;
    await expectRoleMatrix(t, roles, { public: 401, member: 200, otherMember: 404, operator: 200 }, () => ({
      method: "GET",
      path: own,
    }));
    const missing = await t.call("GET", "/v1/organizations/org_missing", { token: roles.operator.token });
    expect(missing.status).toBe(404);
  });
});

describe("API keys", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("shows the secret once and stores only its hash", async () => {
    const orgId = roles.member.organization.id;
    const created = await t.call("POST", `/v1/organizations/${orgId}/api-keys`, {
      token: roles.operator.token,
      body: { holder: "Dr. Zhaxi" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ organizationId: orgId, holder: "Dr. Zhaxi" });
    const secret = created.json.apiKey.split(".")[2];
    const stored = await t.database.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", created.json.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(secret);
    const events = await t.database.db.selectFrom("audit_events").select("state").execute();
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it("replays a retried creation without revealing the secret again", async () => {
    const path = `/v1/organizations/${roles.member.organization.id}/api-keys`;
    const headers = { "idempotency-key": "key-1" };
    const first = await t.call("POST", path, { token: roles.operator.token, body: { holder: "A" }, headers });
    const retry = await t.call("POST", path, { token: roles.operator.token, body: { holder: "A" }, headers });
    expect(retry.status).toBe(201);
    expect(retry.json.id).toBe(first.json.id);
    expect(first.json.apiKey).toMatch(/^tml\./);
    expect(retry.json.apiKey).toBeNull();
  });

  it("issues no operator keys through the API: one operator could otherwise approve twice", async () => {
    const response = await t.call("POST", `/v1/organizations/${roles.operator.organizationId}/api-keys`, {
      token: roles.operator.token,
      body: { holder: "Operator One, second key" },
    });
    expect(response.status).toBe(403);
    expect(response.json.detail).toMatch(/create-operator/);
  });

  it("keeps credential hashes out of the audit log, yet verification catches a swapped hash", async () => {
    const events = await t.call("GET", "/v1/audit/events?limit=500", { token: roles.operator.token });
    expect(events.text).not.toMatch(/secretHash/);
    const stored = await t.database.db.selectFrom("api_keys").select("secret_hash").execute();
    for (const { secret_hash } of stored) expect(events.text).not.toContain(secret_hash);
    await t.database.db
      .updateTable("api_keys")
      .set({ secret_hash: "0".repeat(64) })
      .where("id", "=", roles.member.keyId)
      .execute();
    const report = await t.call("GET", "/v1/audit/verification", { token: roles.operator.token });
    expect(report.json.ok).toBe(false);
    expect(report.json.problems[0].subject).toBe(`api_key ${roles.member.keyId}`);
  });

  it("revokes a key; revoking again changes nothing", async () => {
    const path = `/v1/organizations/${roles.member.organization.id}/api-keys/${roles.member.keyId}`;
    expect((await t.call("DELETE", path, { token: roles.operator.token })).status).toBe(204);
    const events = await countRows(t, "audit_events");
    expect((await t.call("DELETE", path, { token: roles.operator.token })).status).toBe(204);
    expect(await countRows(t, "audit_events")).toBe(events);
    const token = await t.call("POST", "/v1/auth/token", { body: { apiKey: roles.member.apiKey } });
    expect(token.status).toBe(401);
  });

  it("treats a key of another organisation as not found", async () => {
    const path = `/v1/organizations/${roles.otherMember.organization.id}/api-keys/${roles.member.keyId}`;
    expect((await t.call("DELETE", path, { token: roles.operator.token })).status).toBe(404);
    const missing = await t.call("POST", "/v1/organizations/org_missing/api-keys", {
      token: roles.operator.token,
      body: { holder: "x" },
    });
    expect(missing.status).toBe(404);
  });

  it("lets only operators issue and revoke keys", async () => {
    const orgId = roles.member.organization.id;
    await expectRoleMatrix(t, roles, { public: 401, member: 403, otherMember: 403, operator: 201 }, () => ({
      method: "POST",
      path: `/v1/organizations/${orgId}/api-keys`,
      body: { holder: "someone" },
    }));
    await expectRoleMatrix(t, roles, { public: 401, member: 403, otherMember: 403, operator: 204 }, () => ({
      method: "DELETE",
      path: `/v1/organizations/${roles.otherMember.organization.id}/api-keys/${roles.otherMember.keyId}`,
    }));
  });

  it("records every organisation and key change in the audit chain, naming the key holder", async () => {
    const events = await t.database.db.selectFrom("audit_events").selectAll().orderBy("seq").execute();
    expect(events.map((e) => e.action)).toEqual([
      "organization.created",
      "api_key.created",
      "api_key.created",
      "organization.created",
      "api_key.created",
      "organization.created",
      "api_key.created",
    ]);
    expect(events[3]?.actor_holder).toBe("Key Registrar");
    expect(events[3]?.actor_key_id).toBe(roles.registrar.keyId);
    for (let i = 1; i < events.length; i++) expect(events[i]?.prev_hash).toBe(events[i - 1]?.hash);
  });
});
