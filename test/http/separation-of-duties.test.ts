import { beforeEach, describe, expect, it } from "vitest";
import { revokeKeyOnCommandLine } from "../../src/domain/organizations/revoke-api-key.ts";
import { countRows, createTestApp, givenMember, givenOperator, type TestApp } from "../support/app.ts";
import { contractBody, decide } from "../support/contracts.ts";

/**
 * No operator alone registers a contract it made possible: the operator key that issued the
 * submitting member's key needs a different operator's approval (domain.md, Large contracts).
 */
describe("separation of duties", () => {
  let t: TestApp;
  let issuer: Awaited<ReturnType<typeof givenOperator>>;
  let reviewer: Awaited<ReturnType<typeof givenOperator>>;
  let member: Awaited<ReturnType<typeof givenMember>>;
  let buyer: Awaited<ReturnType<typeof givenMember>>;

  beforeEach(async () => {
    t = await createTestApp();
    issuer = await givenOperator(t, "Operator Issuer");
    reviewer = await givenOperator(t, "Operator Reviewer");
    // One operator creates the member organisations and issues their keys.
    member = await givenMember(t, issuer.token, { name: "Tibet University" });
    buyer = await givenMember(t, issuer.token, { name: "Lhasa Enterprise", kind: "enterprise" });
  });

  async function recorded(overrides: Record<string, unknown> = {}) {
    const response = await t.call("POST", "/v1/contracts", {
      token: member.token,
      body: contractBody(member.organization.id, buyer.organization.id, overrides),
    });
    expect(response.status, response.text).toBe(201);
    return response.json as { id: string };
  }

  it("takes the issuing operator's register as an approval only: the goal does not move until another operator registers", async () => {
    const contract = await recorded({ totalAmount: "999999.00", technologyAmount: "999999.00" });
    const alone = await decide(t, issuer.token, contract.id, "register");
    expect(alone.status).toBe(200);
    expect(alone.json).toMatchObject({ status: "submitted", registrationNumber: null });
    expect(alone.json.approvals).toEqual([{ keyId: issuer.keyId, holder: "Operator Issuer", at: expect.any(String) }]);
    expect(await countRows(t, "volume_entries")).toBe(0);
    expect((await t.call("GET", "/v1/statistics/progress")).json.cumulativeAmount).toBe("0.00");

    const again = await decide(t, issuer.token, contract.id, "register");
    expect(again.status).toBe(409);
    expect(again.json.detail).toMatch(/a different operator must register it/);

    const done = await decide(t, reviewer.token, contract.id, "register");
    expect(done.json).toMatchObject({ status: "registered", registrationNumber: "2025540100000001" });
    expect(done.json.approvals.map((a: { holder: string }) => a.holder)).toEqual([
      "Operator Issuer",
      "Operator Reviewer",
    ]);
    expect(await countRows(t, "volume_entries")).toBe(1);
  });

  it("lets any other operator register an ordinary contract alone", async () => {
    const contract = await recorded();
    const done = await decide(t, reviewer.token, contract.id, "register");
    expect(done.json).toMatchObject({ status: "registered" });
    expect(done.json.approvals).toHaveLength(1);
  });

  it("counts the issuer as one of a large contract's two approvals, never both", async () => {
    const contract = await recorded({ totalAmount: "6000000", technologyAmount: "5000000" });
    expect((await decide(t, issuer.token, contract.id, "register")).json.status).toBe("submitted");
    expect((await decide(t, reviewer.token, contract.id, "register")).json.status).toBe("registered");
  });

  it("does not count an approval by an operator key revoked before the decision completes", async () => {
    const third = await givenOperator(t, "Operator Three");
    const contract = await recorded({ totalAmount: "6000000", technologyAmount: "5000000" });
    expect((await decide(t, reviewer.token, contract.id, "register")).json.status).toBe("submitted");
    await revokeKeyOnCommandLine(t.deps, reviewer.keyId);

    const second = await decide(t, third.token, contract.id, "register");
    expect(second.status).toBe(200);
    expect(second.json.status).toBe("submitted");
    expect(second.json.approvals.map((a: { holder: string }) => a.holder)).toEqual(["Operator Three"]);
    // The issuer completes it: two standing approvals, one of them not the issuer's.
    const done = await decide(t, issuer.token, contract.id, "register");
    expect(done.json.status).toBe("registered");
    expect(done.json.approvals.map((a: { holder: string }) => a.holder)).toEqual(["Operator Three", "Operator Issuer"]);
  });

  it("revokes another operator's key only from the command line; an operator may revoke its own", async () => {
    const operatorOrg = issuer.organizationId;
    const other = await t.call("DELETE", `/v1/organizations/${operatorOrg}/api-keys/${reviewer.keyId}`, {
      token: issuer.token,
    });
    expect(other.status).toBe(403);
    expect(other.headers.get("content-type")).toContain("application/problem+json");
    expect(other.json.detail).toMatch(/npm run cli -- revoke-key/);
    expect((await t.call("POST", "/v1/auth/token", { body: { apiKey: reviewer.apiKey } })).status).toBe(200);

    const own = await t.call("DELETE", `/v1/organizations/${operatorOrg}/api-keys/${issuer.keyId}`, {
      token: issuer.token,
    });
    expect(own.status).toBe(204);
    expect((await t.call("POST", "/v1/auth/token", { body: { apiKey: issuer.apiKey } })).status).toBe(401);

    const revoked = await revokeKeyOnCommandLine(t.deps, reviewer.keyId);
    expect(revoked.revokedAt).not.toBeNull();
    const events = await t.database.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "api_key.revoked")
      .orderBy("seq")
      .execute();
    expect(events.map((e) => [e.subject_id, e.actor_holder])).toEqual([
      [issuer.keyId, "Operator Issuer"],
      [reviewer.keyId, "command line"],
    ]);
  });
});
