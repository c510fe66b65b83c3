import { describe, expect, it } from "vitest";
import { Pledge, PledgeStatistics, RightLookup } from "../../../contracts/pledges.ts";
import { verifyLedger } from "../../../src/domain/verification/verify-ledger.ts";
import { createTestApp, givenMember, validCreditCode } from "../../support/app.ts";
import {
  decidePledge,
  givenBank,
  givenRegisteredPledge,
  givenSubmittedPledge,
  patentNumber,
  pledgeBody,
  submitPledge,
} from "../../support/given-pledge.ts";
import { givenRoles, travel } from "../../support/roles.ts";

async function setup() {
  const t = await createTestApp();
  const roles = await givenRoles(t);
  const bank = await givenBank(t, roles);
  const otherBank = await givenBank(t, roles, "Agricultural Bank of China Lhasa Branch");
  return { t, roles, bank, otherBank };
}

const lookup = (t: Awaited<ReturnType<typeof setup>>["t"], type: string, number: string) =>
  t.call("GET", `/v1/pledges/rights/${type}/${encodeURIComponent(number)}`);

describe("IP pledges: lifecycle", () => {
  it("a firm pledges two patents to a bank, a second bank is refused one of them, the release frees it, and the figures are exact", async () => {
    const { t, roles, bank, otherBank } = await setup();
    const [first, second] = [patentNumber(), patentNumber()];
    const body = pledgeBody(roles.member.organization.id, bank.organization.id, {
      rights: [
        { type: "patent", number: first, title: "一种青稞β-葡聚糖的提取方法" },
        { type: "patent", number: second, title: "藏药材低温干燥装置" },
      ],
      securedAmount: "3000000.50",
    });
    const submitted = await submitPledge(t, roles.member.token, body);
    expect(submitted.status, submitted.text).toBe(201);
    expect(Pledge.parse(submitted.json)).toMatchObject({ status: "submitted", registrationNumber: null, version: 0 });
    expect(submitted.json.pledgee).toEqual({ organizationId: bank.organization.id, name: bank.organization.name });

    // While submitted the rights are held: the 409 names the pledge by its id.
    const early = await submitPledge(
      t,
      otherBank.token,
      pledgeBody(roles.member.organization.id, otherBank.organization.id, {
        rights: [{ type: "patent", number: first.replace("ZL", "").replace(".", ""), title: "同一专利" }],
      }),
    );
    expect(early.status, early.text).toBe(409);
    expect(early.json.existingId).toBe(submitted.json.id);
    expect(early.json.detail).toContain(submitted.json.id);

    const registered = await decidePledge(t, roles.operator.token, submitted.json.id, "register");
    expect(registered.status, registered.text).toBe(200);
    expect(registered.json).toMatchObject({
      status: "registered",
      registrationNumber: "ZY2025540100000001",
      registeredOn: "2025-06-02",
      version: 1,
    });

    // A second bank's pledge of one of those patents, spelt another way: 409 naming the registration.
    const refused = await submitPledge(
      t,
      otherBank.token,
      pledgeBody(roles.member.organization.id, otherBank.organization.id, {
        rights: [{ type: "patent", number: ` zl${second.slice(2)} `.replace("2021", "２０２１"), title: "同一专利" }],
      }),
    );
    expect(refused.status, refused.text).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.json.existingId).toBe(submitted.json.id);
    expect(refused.json.detail).toContain("ZY2025540100000001");
    expect(refused.text).not.toContain("3000000");

    // The public register: pledged, by whom, since when; never the amount or the pledgor.
    const seen = await lookup(t, "patent", first);
    expect(seen.status, seen.text).toBe(200);
    expect(RightLookup.parse(seen.json)).toEqual({
      right: { type: "patent", number: first.slice(2).replace(".", "") },
      pledged: true,
      status: "registered",
      registrationNumber: "ZY2025540100000001",
      registeredOn: "2025-06-02",
      pledgee: { name: bank.organization.name },
    });
    expect(seen.text).not.toContain("3000000");
    expect(seen.text).not.toContain(roles.member.organization.name);
    expect(seen.text).not.toContain(second.slice(2, 14));

    const statistics = await t.call("GET", "/v1/statistics/pledges?groupBy=year,rightType", {
      token: roles.operator.token,
    });
    expect(statistics.status, statistics.text).toBe(200);
    expect(PledgeStatistics.parse(statistics.json).rows).toEqual([
      { year: "2025", rightType: "patent", count: 1, securedAmount: "3000000.50", pledgorCount: 1 },
    ]);
    expect(statistics.json.totals).toEqual({
      count: 1,
      securedAmount: "3000000.50",
      pledgorCount: 1,
      smallShare: "1.0000",
    });

    // Released (by the pledgee) the next day: the right is free and the second bank's pledge goes in.
    await travel(t, roles, "2025-06-03T02:00:00.000Z", bank, otherBank);
    const released = await t.call("POST", `/v1/pledges/${submitted.json.id}/release`, {
      token: bank.token,
      body: { reason: "Loan repaid in full" },
    });
    expect(released.status, released.text).toBe(200);
    expect(released.json).toMatchObject({ status: "released", releasedOn: "2025-06-03" });
    expect((await lookup(t, "patent", first)).json).toMatchObject({ pledged: false, status: null, pledgee: null });
    const again = await submitPledge(
      t,
      otherBank.token,
      pledgeBody(roles.member.organization.id, otherBank.organization.id, {
        rights: [{ type: "patent", number: second, title: "藏药材低温干燥装置" }],
      }),
    );
    expect(again.status, again.text).toBe(201);

    // Net of the release, on the day of the release: the published day of registration keeps its figure.
    const byMonthDay = await t.call("GET", "/v1/statistics/pledges?from=2025-06-02&to=2025-06-02", {
      token: roles.operator.token,
    });
    expect(byMonthDay.json.totals).toMatchObject({ count: 1, securedAmount: "3000000.50" });
    const all = await t.call("GET", "/v1/statistics/pledges", { token: roles.operator.token });
    expect(all.json.totals).toMatchObject({ count: 0, securedAmount: "0.00", pledgorCount: 0, smallShare: null });
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("a change of amount is requested by the pledgee, registered by an operator, and counted the day it is registered", async () => {
    const { t, roles, bank } = await setup();
    const pledge = await givenRegisteredPledge(t, roles, bank, { securedAmount: "8000000" });
    await travel(t, roles, "2025-09-10T02:00:00.000Z", bank);

    const byPledgor = await t.call("POST", `/v1/pledges/${pledge.id}/changes`, {
      token: roles.member.token,
      body: { securedAmount: "12000000", reason: "Credit line raised" },
    });
    expect(byPledgor.status, byPledgor.text).toBe(403);
    const requested = await t.call("POST", `/v1/pledges/${pledge.id}/changes`, {
      token: bank.token,
      body: { securedAmount: "12000000", termEnd: "2028-05-31", reason: "Credit line raised" },
    });
    expect(requested.status, requested.text).toBe(200);
    expect(requested.json.pendingChange).toMatchObject({ securedAmount: "12000000.00", termEnd: "2028-05-31" });
    expect(requested.json.securedAmount).toBe("8000000.00");
    const twice = await t.call("POST", `/v1/pledges/${pledge.id}/changes`, {
      token: bank.token,
      body: { termEnd: "2029-05-31", reason: "Again" },
    });
    expect(twice.status, twice.text).toBe(409);

    await travel(t, roles, "2025-10-08T02:00:00.000Z", bank);
    const changed = await decidePledge(t, roles.operator.token, pledge.id, "register");
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json).toMatchObject({
      version: 2,
      securedAmount: "12000000.00",
      sizeBand: "large",
      termEnd: "2028-05-31",
      pendingChange: null,
      registrationNumber: pledge.registrationNumber,
    });
    expect(changed.json.changes).toEqual([
      {
        version: 2,
        securedAmountBefore: "8000000.00",
        securedAmount: "12000000.00",
        termEndBefore: "2027-05-31",
        termEnd: "2028-05-31",
        reason: "Credit line raised",
        registeredOn: "2025-10-08",
      },
    ]);

    const months = await t.call("GET", "/v1/statistics/pledges?groupBy=month,sizeBand", {
      token: roles.operator.token,
    });
    expect(months.json.rows).toEqual([
      { month: "2025-06", sizeBand: "small", count: 1, securedAmount: "8000000.00", pledgorCount: 1 },
      { month: "2025-10", sizeBand: "large", count: 1, securedAmount: "12000000.00", pledgorCount: 1 },
      { month: "2025-10", sizeBand: "small", count: -1, securedAmount: "-8000000.00", pledgorCount: 0 },
    ]);
    expect(months.json.totals).toEqual({
      count: 1,
      securedAmount: "12000000.00",
      pledgorCount: 1,
      smallShare: "0.0000",
    });
    // September, when it was only requested, shows nothing.
    const september = await t.call("GET", "/v1/statistics/pledges?from=2025-09-01&to=2025-09-30", {
      token: roles.operator.token,
    });
    expect(september.json.totals).toMatchObject({ count: 0, securedAmount: "0.00" });

    // A rejected change changes nothing but drops the request.
    await t.call("POST", `/v1/pledges/${pledge.id}/changes`, {
      token: bank.token,
      body: { securedAmount: "1", reason: "Typo" },
    });
    const rejected = await decidePledge(t, roles.operator.token, pledge.id, "reject", "Not what was agreed");
    expect(rejected.json).toMatchObject({ version: 2, securedAmount: "12000000.00", pendingChange: null });
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("a right in a rejected pledge is free, and numbers stay gap-free through rejections", async () => {
    const { t, roles, bank } = await setup();
    const number = patentNumber();
    const rights = [{ type: "patent", number, title: "高原牦牛乳发酵工艺" }];
    const first = await givenSubmittedPledge(t, roles, bank, { rights });
    const rejected = await decidePledge(t, roles.operator.token, first.id, "reject", "Pledge contract unsigned");
    expect(rejected.json).toMatchObject({ status: "rejected", decisionReason: "Pledge contract unsigned" });
    expect((await lookup(t, "patent", number)).json.pledged).toBe(false);
    const second = await givenRegisteredPledge(t, roles, bank, { rights });
    expect(second.registrationNumber).toBe("ZY2025540100000001");
    const third = await givenRegisteredPledge(t, roles, bank);
    expect(third.registrationNumber).toBe("ZY2025540100000002");
    const reject = await decidePledge(t, roles.operator.token, second.id, "reject", "Too late");
    expect(reject.status, reject.text).toBe(409);
  });

  it("a released pledge cannot be released or changed again, and a submitted one is not released", async () => {
    const { t, roles, bank } = await setup();
    const submitted = await givenSubmittedPledge(t, roles, bank);
    const early = await t.call("POST", `/v1/pledges/${submitted.id}/release`, {
      token: bank.token,
      body: { reason: "Not yet" },
    });
    expect(early.status, early.text).toBe(409);
    await decidePledge(t, roles.operator.token, submitted.id, "register");
    const byPledgor = await t.call("POST", `/v1/pledges/${submitted.id}/release`, {
      token: roles.member.token,
      body: { reason: "I repaid" },
    });
    expect(byPledgor.status, byPledgor.text).toBe(403);
    const byOperator = await t.call("POST", `/v1/pledges/${submitted.id}/release`, {
      token: roles.operator.token,
      body: { reason: "Court order" },
    });
    expect(byOperator.status, byOperator.text).toBe(200);
    for (const [path, body] of [
      ["release", { reason: "Again" }],
      ["changes", { termEnd: "2030-01-01", reason: "Later" }],
    ] as const) {
      const response = await t.call("POST", `/v1/pledges/${submitted.id}/${path}`, { token: bank.token, body });
      expect(response.status, response.text).toBe(409);
    }
  });

  it("the pledgor, the pledgee and operators see a pledge and list it; any other member gets 404", async () => {
    const { t, roles, bank, otherBank } = await setup();
    const pledge = await givenSubmittedPledge(t, roles, bank);
    for (const token of [roles.member.token, bank.token, roles.operator.token]) {
      const seen = await t.call("GET", `/v1/pledges/${pledge.id}`, { token });
      expect(seen.status, seen.text).toBe(200);
      const list = await t.call("GET", "/v1/pledges", { token });
      expect(list.json.items.map((p: { id: string }) => p.id)).toContain(pledge.id);
    }
    for (const token of [otherBank.token, roles.otherMember.token]) {
      expect((await t.call("GET", `/v1/pledges/${pledge.id}`, { token })).status).toBe(404);
      expect((await t.call("GET", "/v1/pledges", { token })).json.items).toEqual([]);
      const decision = await decidePledge(t, token, pledge.id, "register");
      expect(decision.status).toBe(404);
    }
    expect((await t.call("GET", `/v1/pledges/${pledge.id}`)).status).toBe(401);
    expect((await decidePledge(t, roles.member.token, pledge.id, "register")).status).toBe(403);
  });

  it("the operator whose key issued the submitter's key cannot register its pledge alone", async () => {
    const { t, roles, bank } = await setup();
    const pledge = await givenSubmittedPledge(t, roles, bank);
    const own = await decidePledge(t, roles.registrar.token, pledge.id, "register");
    expect(own.status, own.text).toBe(403);
    expect((await decidePledge(t, roles.operator.token, pledge.id, "register")).status).toBe(200);
  });

  it("lists page newest first with a cursor", async () => {
    const { t, roles, bank } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await givenSubmittedPledge(t, roles, bank)).id);
    const first = await t.call("GET", "/v1/pledges?limit=2", { token: roles.operator.token });
    expect(first.json.items.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    const next = await t.call("GET", `/v1/pledges?limit=2&cursor=${first.json.nextCursor}`, {
      token: roles.operator.token,
    });
    expect(next.json).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    const registered = await t.call("GET", "/v1/pledges?status=registered", { token: roles.operator.token });
    expect(registered.json.items).toEqual([]);
  });

  it("a bank submits for an outside firm given inline; a member not party to the pledge cannot submit it", async () => {
    const { t, roles, bank, otherBank } = await setup();
    const firm = {
      name: "拉萨高原藏药有限公司",
      creditCode: validCreditCode(900_001),
      kind: "enterprise",
      regionCode: "540102",
    };
    const inline = await submitPledge(t, bank.token, pledgeBody("", bank.organization.id, { pledgor: firm }));
    expect(inline.status, inline.text).toBe(201);
    expect(inline.json.pledgor).toEqual({ organizationId: null, ...firm });
    const stranger = await givenMember(t, roles.registrar.token, { name: "Stranger Enterprise", kind: "enterprise" });
    const notMine = await submitPledge(
      t,
      stranger.token,
      pledgeBody(roles.member.organization.id, otherBank.organization.id),
    );
    expect(notMine.status, notMine.text).toBe(400);
    expect(notMine.json.errors).toEqual([
      { pointer: "/pledgor", detail: expect.stringContaining("your organisation") },
    ]);
    const byOperator = await submitPledge(
      t,
      roles.operator.token,
      pledgeBody(roles.member.organization.id, bank.organization.id),
    );
    expect(byOperator.status).toBe(403);
  });
});
