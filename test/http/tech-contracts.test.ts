import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import type { LedgerStore } from "../../src/domain/ports.ts";
import { countRows, createTestApp, givenMember, givenOperator, type TestApp, validCreditCode } from "../support/app.ts";
import { contractBody, decide, givenRecordedContract, givenRegisteredContract } from "../support/contracts.ts";
import { expectRoleMatrix, givenRoles, type RoleTokens, travel } from "../support/roles.ts";

const pointersOf = (json: any) => json.errors.map((e: { pointer: string }) => e.pointer).sort();

/** Two operators register `count` recorded contracts at once: the numbers are 1..count, none skipped or repeated. */
async function expectGapFreeConcurrentRegistrations(t: TestApp, roles: RoleTokens, count: number) {
  const second = await givenOperator(t, "Operator Two");
  const recorded = [];
  for (let i = 0; i < count; i++) recorded.push(await givenRecordedContract(t, roles));
  const responses = await Promise.all(
    recorded.map((c, i) => decide(t, i % 2 ? second.token : roles.operator.token, c.id, "register")),
  );
  expect(responses.map((r) => r.status)).toEqual(Array(count).fill(200));
  const numbers = responses.map((r) => r.json.registrationNumber).sort();
  expect(numbers).toEqual(Array.from({ length: count }, (_, i) => `2025540100${String(i + 1).padStart(6, "0")}`));
}

describe("recording a technology contract", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("records a contract the member sells, with both amounts exact and the parties resolved", async () => {
    const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id);
    const response = await t.call("POST", "/v1/contracts", { token: roles.member.token, body });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({
      status: "submitted",
      title: body.title,
      contractNumber: body.contractNumber,
      type: "development",
      subType: "commissioned",
      totalAmount: "1250000.50",
      technologyAmount: "1000000.00",
      seller: { organizationId: roles.member.organization.id, name: "Tibet University", kind: "university" },
      buyer: { organizationId: roles.otherMember.organization.id, kind: "enterprise" },
      flow: "within_city",
      large: false,
      registrationNumber: null,
      submittedBy: { organizationId: roles.member.organization.id, holder: "Registrar" },
      reviewDueOn: "2025-06-23",
      overdue: false,
      approvals: [],
    });
    expect(response.json.id).toMatch(/^tc_/);
  });

  it("lets the buyer record, with an outside seller given inline", async () => {
    const seller = {
      name: "成都高原科技有限公司",
      creditCode: validCreditCode(777, "510100"),
      kind: "enterprise",
      regionCode: "510104",
    };
    const response = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: contractBody("", roles.member.organization.id, { seller, type: "consulting", subType: null }),
    });
    expect(response.status, response.text).toBe(201);
    expect(response.json.seller).toEqual({ organizationId: null, ...seller });
    expect(response.json.flow).toBe("out_of_province");
    expect(response.json.subType).toBeNull();
  });

  it("links an inline party whose credit code is a member's, so that member sees the contract", async () => {
    const otherCode = roles.otherMember.organization.creditCode;
    const created = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: contractBody(roles.member.organization.id, "", {
        buyer: { name: "Typed by hand", creditCode: otherCode, kind: "enterprise", regionCode: "540102" },
      }),
    });
    expect(created.status).toBe(201);
    expect(created.json.buyer.organizationId).toBe(roles.otherMember.organization.id);
    const read = await t.call("GET", `/v1/contracts/${created.json.id}`, { token: roles.otherMember.token });
    expect(read.status).toBe(200);
  });

  it("names every invalid field at once and writes nothing", async () => {
    const before = { contracts: await countRows(t, "tech_contracts"), events: await countRows(t, "audit_events") };
    const response = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: {
        title: "",
        contractNumber: "x".repeat(65),
        type: "sale",
        seller: { organizationId: roles.member.organization.id, name: "both given" },
        buyer: { name: "Outside", creditCode: "91350100M000100Y44", kind: "company", regionCode: "54010" },
        signedOn: "2025-02-30",
        validFrom: "2025-06-01",
        validTo: "2025-13-01",
        totalAmount: 1250000,
        technologyAmount: "100.123",
        techField: "software",
        ipType: "trademark",
        achievementIds: "none",
        color: "red",
      },
    });
    expect(response.status).toBe(400);
    expect(pointersOf(response.json)).toEqual([
      "/achievementIds",
      "/buyer/creditCode",
      "/buyer/kind",
      "/buyer/regionCode",
      "/color",
      "/contractNumber",
      "/ipType",
      "/seller/name",
      "/signedOn",
      "/techField",
      "/technologyAmount",
      "/title",
      "/totalAmount",
      "/type",
      "/validTo",
    ]);
    expect(await countRows(t, "tech_contracts")).toBe(before.contracts);
    expect(await countRows(t, "audit_events")).toBe(before.events);
  });

  it("checks the rules across fields, pointing at the field to correct", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ type: "development", subType: "patent_right" }, "/subType", /not a development sub-type/],
      [{ type: "license", subType: undefined }, "/subType", /required for license/],
      [{ type: "consulting", subType: "training" }, "/subType", /no sub-type/],
      [{ type: "service", subType: "training", equityContribution: true }, "/equityContribution", /only a transfer/],
      [{ totalAmount: "100", technologyAmount: "100.01" }, "/technologyAmount", /must not exceed totalAmount/],
      [{ totalAmount: "0", technologyAmount: "0" }, "/totalAmount", /more than zero/],
      [{ totalAmount: "1000000000000.01", technologyAmount: "1" }, "/totalAmount", /at most 1000000000000 yuan/],
      [{ validFrom: "2025-07-01", validTo: "2025-06-30" }, "/validTo", /before validFrom/],
      [{ signedOn: "2025-06-03" }, "/signedOn", /after today/],
      [{ buyer: { organizationId: "org_nope" } }, "/buyer/organizationId", /no member organisation/],
      [{ buyer: { organizationId: roles.operator.organizationId } }, "/buyer/organizationId", /no member organisation/],
      [{ buyer: { organizationId: roles.member.organization.id } }, "/buyer", /different party/],
      [{ totalAmount: "-5" }, "/totalAmount", /yuan/],
      [{ totalAmount: "1e6" }, "/totalAmount", /yuan/],
      [{ title: "Line one\u0000hidden" }, "/title", /control characters/],
      [{ title: "Next line\u0085C1" }, "/title", /control characters/],
      [{ title: "CSI \u009b control" }, "/title", /control characters/],
      [{ title: "evil \u202etxt.exe" }, "/title", /bidirectional/],
      [{ title: "isolate \u2066x\u2069" }, "/title", /bidirectional/],
      [{ title: "line\u2028separator" }, "/title", /line separators/],
      [{ title: "nonchar \uffff" }, "/title", /noncharacters/],
      [{ title: "astral nonchar \ud83f\udfff" }, "/title", /noncharacters/],
      [{ title: "\u200b\u200d\u2060\ufeff" }, "/title", /visible characters/],
      [{ contractNumber: "\u200b" }, "/contractNumber", /visible characters/],
      [{ title: "Half an emoji \ud83d" }, "/title", /half a surrogate pair/],
      [{ contractNumber: "\udc00-1" }, "/contractNumber", /half a surrogate pair/],
      [{ signedOn: "0000-01-01" }, "/signedOn", /between 1949-10-01 and 2099-12-31/],
    ];
    for (const [overrides, pointer, detail] of cases) {
      const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id, overrides);
      const response = await t.call("POST", "/v1/contracts", { token: roles.member.token, body });
      expect(response.status, JSON.stringify(overrides)).toBe(400);
      const error = response.json.errors.find((e: { pointer: string }) => e.pointer === pointer);
      expect(error?.detail, `${pointer} in ${response.text}`).toMatch(detail);
    }
    // Well formed but naming no registered achievement: 422, with the other errors when there are any.
    const unknown = contractBody(roles.member.organization.id, roles.otherMember.organization.id, {
      achievementIds: ["ach_1"],
    });
    const refused = await t.call("POST", "/v1/contracts", { token: roles.member.token, body: unknown });
    expect(refused.status).toBe(422);
    expect(refused.json.errors).toEqual([
      { pointer: "/achievementIds/0", detail: expect.stringMatching(/no registered achievement/) },
    ]);
    const both = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: { ...unknown, signedOn: "2025-06-03" },
    });
    expect(both.status).toBe(400);
    expect(both.json.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      "/achievementIds/0",
      "/signedOn",
    ]);
    // A future signedOn (the domain's rule, which needs the clock) and a validTo before it (the
    // schema's) are named in one answer, on recording and on a correction alike.
    const future = { signedOn: "2025-06-03", validFrom: "2025-06-01", validTo: "2025-06-02" };
    const once = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, future),
    });
    expect(once.status).toBe(400);
    expect(once.json.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(["/signedOn", "/validTo"]);
    const recorded = await givenRecordedContract(t, roles);
    const sentBack = await decide(t, roles.operator.token, recorded.id, "request_correction", "Check the dates");
    expect(sentBack.status, sentBack.text).toBe(200);
    const corrected = await t.call("PATCH", `/v1/contracts/${recorded.id}`, {
      token: roles.member.token,
      body: future,
    });
    expect(corrected.status).toBe(400);
    expect(corrected.json.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(["/signedOn", "/validTo"]);
    expect(await countRows(t, "tech_contracts")).toBe(1);
  });

  it("keeps astral characters (a surrogate pair) exactly, and the ledger still verifies", async () => {
    const title = "高原温室 🌱 control 𠀀";
    const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id, { title });
    const created = await t.call("POST", "/v1/contracts", { token: roles.member.token, body });
    expect(created.status).toBe(201);
    const read = await t.call("GET", `/v1/contracts/${created.json.id}`, { token: roles.member.token });
    expect(read.json.title).toBe(title);
    const verification = await t.call("GET", "/v1/audit/verification", { token: roles.operator.token });
    expect(verification.json.ok).toBe(true);
  });

  it("accepts a transfer as equity and every legal type and sub-type pair", async () => {
    const pairs: [string, string | null][] = [
      ["development", "cooperative"],
      ["transfer", "patent_application_right"],
      ["license", "patent_exclusive"],
      ["license", "technical_secret"],
      ["consulting", null],
      ["service", "intermediary"],
    ];
    for (const [type, subType] of pairs) {
      const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id, { type, subType });
      expect((await t.call("POST", "/v1/contracts", { token: roles.member.token, body })).status).toBe(201);
    }
    const equity = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, {
        type: "transfer",
        subType: "patent_right",
        equityContribution: true,
      }),
    });
    expect(equity.json.equityContribution).toBe(true);
  });

  it("refuses a member that is not a party (403) and operators (they review)", async () => {
    const third = await givenMember(t, roles.operator.token, { kind: "research_institute" });
    const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id);
    const response = await t.call("POST", "/v1/contracts", { token: third.token, body });
    expect(response.status).toBe(403);
    const byOperator = await t.call("POST", "/v1/contracts", { token: roles.operator.token, body });
    expect(byOperator.status).toBe(403);
    expect((await t.call("POST", "/v1/contracts", { body })).status).toBe(401);
    expect(await countRows(t, "tech_contracts")).toBe(0);
  });

  it("refuses a contract its recorder is already a party to under the same seller and number, naming it", async () => {
    const first = await givenRecordedContract(t, roles, { contractNumber: "LX-001" });
    const body = (number: string) =>
      contractBody(roles.member.organization.id, roles.otherMember.organization.id, { contractNumber: number });
    const again = await t.call("POST", "/v1/contracts", { token: roles.member.token, body: body("LX-001") });
    expect(again.status).toBe(409);
    expect(again.json.existingId).toBe(first.id);
    expect(again.json.detail).toContain(first.id);
    // Recorded by the buyer this time: the same contract, so the same 409.
    const byBuyer = await t.call("POST", "/v1/contracts", { token: roles.otherMember.token, body: body("LX-001") });
    expect(byBuyer.status).toBe(409);
    expect(byBuyer.json.existingId).toBe(first.id);
    await decide(t, roles.operator.token, first.id, "reject", "Not a technology contract");
    const afterReject = await t.call("POST", "/v1/contracts", { token: roles.member.token, body: body("LX-001") });
    expect(afterReject.status).toBe(201);
  });

  it("finds the same number written another way: width, case, zero-width and format characters, dashes, spaces", async () => {
    const first = await givenRecordedContract(t, roles, { contractNumber: "HT-2025-007a" });
    const variants = [
      "ht-2025-007A",
      "ＨＴ－２０２５－００７ａ",
      "HT-2025\u200b-007a",
      "HT\u2060-2025-007a",
      "\ufeffHT-2025-007a",
      "HT\u20102025\u2010007a",
      "HT - 2025 - 007a",
      "HT\u00ad-2025-007a",
    ];
    for (const contractNumber of variants) {
      const response = await t.call("POST", "/v1/contracts", {
        token: roles.member.token,
        body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, { contractNumber }),
      });
      expect(response.status, JSON.stringify(contractNumber)).toBe(409);
      expect(response.json.existingId).toBe(first.id);
    }
    // The number is kept as written; only the comparison folds it.
    expect((await t.call("GET", `/v1/contracts/${first.id}`, { token: roles.member.token })).json.contractNumber).toBe(
      "HT-2025-007a",
    );
  });

  it("lets no member that is not a party block a seller's number or learn that the seller has it", async () => {
    const third = await givenMember(t, roles.registrar.token, { kind: "enterprise" });
    const sellerInline = {
      name: "Tibet University",
      creditCode: roles.member.organization.creditCode,
      kind: "university",
      regionCode: "540102",
    };
    const byOutsider = (contractNumber: string) =>
      t.call("POST", "/v1/contracts", {
        token: third.token,
        body: contractBody("", third.organization.id, { contractNumber, seller: sellerInline }),
      });
    // The seller's live contract LX-100 neither blocks the outsider nor is revealed to it.
    const sellers = await givenRecordedContract(t, roles, { contractNumber: "LX-100" });
    const outsider = await byOutsider("LX-100");
    expect(outsider.status).toBe(201);
    expect(outsider.text).not.toContain(sellers.id);
    // The outsider taking LX-200 first does not stop the seller recording its own LX-200.
    expect((await byOutsider("LX-200")).status).toBe(201);
    await givenRecordedContract(t, roles, { contractNumber: "LX-200" });

    // Registration is where the two meet: an operator, who sees both, gets the 409 naming the
    // registration, and rejects the other as a duplicate.
    expect((await decide(t, roles.operator.token, sellers.id, "register")).status).toBe(200);
    const duplicate = await decide(t, roles.operator.token, outsider.json.id, "register");
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.existingId).toBe(sellers.id);
    expect(duplicate.json.detail).toMatch(/already registered as 2025540100000001.*reject this one as a duplicate/);
    expect((await t.call("GET", `/v1/contracts/${outsider.json.id}`, { token: third.token })).json.status).toBe(
      "submitted",
    );
  });

  it("keeps a contract registered once in the store too: the index refuses a second registration row", async () => {
    const registered = await givenRegisteredContract(t, roles, { contractNumber: "LX-300" });
    await expect(
      sql`INSERT INTO tech_contracts (id, state, event_seq)
          SELECT 'tc_copy', json_set(state, '$.id', 'tc_copy', '$.submittedByOrganizationId', ${roles.otherMember.organization.id}, '$.registrationSerial', 99), 1
          FROM tech_contracts WHERE id = ${registered.id}`.execute(t.database.db),
    ).rejects.toThrow(
      /UNIQUE constraint failed: tech_contracts.seller_credit_code, tech_contracts.contract_number_key/,
    );
    expect(registered.status).toBe("registered");
  });
});

describe("Idempotency-Key on recording", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("returns the first response to a retry and refuses the key with another body", async () => {
    const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id);
    const headers = { "idempotency-key": "c-1" };
    const first = await t.call("POST", "/v1/contracts", { token: roles.member.token, body, headers });
    const events = await countRows(t, "audit_events");
    const retry = await t.call("POST", "/v1/contracts", { token: roles.member.token, body, headers });
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(await countRows(t, "tech_contracts")).toBe(1);
    expect(await countRows(t, "audit_events")).toBe(events);
    const other = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: { ...body, title: "Different" },
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.json.errors).toEqual([{ pointer: "Idempotency-Key", detail: expect.stringMatching(/.+/) }]);
    expect(await countRows(t, "tech_contracts")).toBe(1);
  });

  it("creates exactly one contract for 64 concurrent requests with one key", async () => {
    const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id);
    const headers = { "idempotency-key": "race" };
    const responses = await Promise.all(
      Array.from({ length: 64 }, () => t.call("POST", "/v1/contracts", { token: roles.member.token, body, headers })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(64).fill(201));
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    expect(await countRows(t, "tech_contracts")).toBe(1);
  });
});

describe("review and registration", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("registers: assigns the 16-digit number and the date, and writes the volume entry", async () => {
    const recorded = await givenRecordedContract(t, roles);
    const response = await decide(t, roles.operator.token, recorded.id, "register");
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      status: "registered",
      registrationNumber: "2025540100000001",
      registeredOn: "2025-06-02",
      reviewDueOn: null,
      approvals: [{ keyId: roles.operator.keyId, holder: "Operator One" }],
    });
    const entries = await t.database.db.selectFrom("volume_entries").selectAll().execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      contract_id: recorded.id,
      kind: "registration",
      entry_on: "2025-06-02",
      count: 1,
      total_fen: 125_000_050,
      technology_fen: 100_000_000,
      type: "development",
      flow: "within_city",
    });
  });

  it("rejects and requests correction only with a reason; other transitions are 409 naming the status", async () => {
    const recorded = await givenRecordedContract(t, roles);
    const noReason = await decide(t, roles.operator.token, recorded.id, "reject");
    expect(noReason.status).toBe(400);
    expect(noReason.json.errors).toEqual([{ pointer: "/reason", detail: "is required to reject" }]);
    const bad = await decide(t, roles.operator.token, recorded.id, "approve");
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].pointer).toBe("/decision");

    const rejected = await decide(t, roles.operator.token, recorded.id, "reject", "Goods sale, not technology");
    expect(rejected.json).toMatchObject({ status: "rejected", decisionReason: "Goods sale, not technology" });
    const again = await decide(t, roles.operator.token, recorded.id, "register");
    expect(again.status).toBe(409);
    expect(again.json.detail).toMatch(/is rejected; review decisions are taken only while it is submitted/);
    const cancel = await t.call("POST", `/v1/contracts/${recorded.id}/cancellation`, {
      token: roles.member.token,
      body: { reason: "x" },
    });
    expect(cancel.status).toBe(409);
    expect(cancel.json.detail).toMatch(/only a registered contract/);
    expect(await countRows(t, "volume_entries")).toBe(0);
  });

  it("sends a contract back for correction; the submitter corrects it and it returns to review", async () => {
    const recorded = await givenRecordedContract(t, roles);
    const path = `/v1/contracts/${recorded.id}`;
    const early = await t.call("PATCH", path, { token: roles.member.token, body: { title: "Early" } });
    expect(early.status).toBe(409);
    expect(early.json.detail).toMatch(/only while its status is correction_requested/);

    const sentBack = await decide(
      t,
      roles.operator.token,
      recorded.id,
      "request_correction",
      "Split the equipment cost",
    );
    expect(sentBack.json).toMatchObject({ status: "correction_requested", decisionReason: "Split the equipment cost" });
    expect(sentBack.json.reviewDueOn).toBeNull();

    const invalid = await t.call("PATCH", path, {
      token: roles.member.token,
      body: { technologyAmount: "9999999" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors[0].pointer).toBe("/technologyAmount");
    const unknown = await t.call("PATCH", path, { token: roles.member.token, body: { status: "registered" } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors[0].pointer).toBe("/status");
    const byBuyer = await t.call("PATCH", path, { token: roles.otherMember.token, body: { title: "x" } });
    expect(byBuyer.status).toBe(403);

    await travel(t, roles, "2025-06-09T02:00:00.000Z");
    const corrected = await t.call("PATCH", path, {
      token: roles.member.token,
      body: { technologyAmount: "800000", title: "Corrected title" },
    });
    expect(corrected.status, corrected.text).toBe(200);
    expect(corrected.json).toMatchObject({
      status: "submitted",
      technologyAmount: "800000.00",
      totalAmount: "1250000.50",
      title: "Corrected title",
      reviewDueOn: "2025-06-30",
      revision: 3,
    });
    const registered = await decide(t, roles.operator.token, recorded.id, "register");
    expect(registered.json.status).toBe("registered");
  });

  it("needs two different operators for a large contract", async () => {
    const second = await givenOperator(t, "Operator Two");
    const recorded = await givenRecordedContract(t, roles, { totalAmount: "6000000", technologyAmount: "5000000" });
    expect(recorded).toMatchObject({ large: true, reviewDueOn: "2025-07-14" });

    const first = await decide(t, roles.operator.token, recorded.id, "register");
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: "submitted", registrationNumber: null });
    expect(first.json.approvals).toEqual([
      { keyId: roles.operator.keyId, holder: "Operator One", at: expect.any(String) },
    ]);
    expect(await countRows(t, "volume_entries")).toBe(0);

    const same = await decide(t, roles.operator.token, recorded.id, "register");
    expect(same.status).toBe(409);
    expect(same.json.detail).toMatch(/already approved this contract; a different operator must register it/);

    const done = await decide(t, second.token, recorded.id, "register");
    expect(done.json).toMatchObject({ status: "registered", registrationNumber: "2025540100000001" });
    expect(done.json.approvals.map((a: { holder: string }) => a.holder)).toEqual(["Operator One", "Operator Two"]);
    expect(await countRows(t, "volume_entries")).toBe(1);
  });

  it("judges large by the larger amount: 4,999,999.99 yuan is ordinary, 5,000,000.00 of either is large", async () => {
    const below = await givenRecordedContract(t, roles, { totalAmount: "4999999.99", technologyAmount: "4999999.99" });
    expect(below.large).toBe(false);
    const byTechnology = await givenRecordedContract(t, roles, {
      totalAmount: "6000000",
      technologyAmount: "5000000.00",
    });
    expect(byTechnology.large).toBe(true);
    // The plan goal counts contract value: a huge value with no technology amount is large too.
    const byValue = await givenRecordedContract(t, roles, { totalAmount: "999999999999.99", technologyAmount: "0" });
    expect(byValue.large).toBe(true);
    const first = await decide(t, roles.operator.token, byValue.id, "register");
    expect(first.json).toMatchObject({ status: "submitted", approvals: [expect.anything()] });
    const progress = await t.call("GET", "/v1/statistics/progress");
    expect(progress.json.cumulativeAmount).toBe("0.00");
  });

  it("numbers registrations gap-free per year, also when operators register concurrently", async () => {
    await expectGapFreeConcurrentRegistrations(t, roles, 24);
  });

  it("dates a registration at 23:30 UTC on 31 December in the next year (China Standard Time)", async () => {
    const first = await givenRecordedContract(t, roles);
    await travel(t, roles, "2025-12-31T15:59:00.000Z");
    const late2025 = await decide(t, roles.operator.token, first.id, "register");
    expect(late2025.json).toMatchObject({ registeredOn: "2025-12-31", registrationNumber: "2025540100000001" });
    const second = await givenRecordedContract(t, roles);
    await travel(t, roles, "2025-12-31T23:30:00.000Z");
    const early2026 = await decide(t, roles.operator.token, second.id, "register");
    expect(early2026.json).toMatchObject({ registeredOn: "2026-01-01", registrationNumber: "2026540100000001" });
  });

  it("lists what is overdue: 15 working days, 30 for large contracts", async () => {
    const ordinary = await givenRecordedContract(t, roles);
    const large = await givenRecordedContract(t, roles, { totalAmount: "9000000", technologyAmount: "8000000" });
    const overdue = async () =>
      (await t.call("GET", "/v1/contracts?overdue=true", { token: roles.operator.token })).json.items.map(
        (c: { id: string }) => c.id,
      );
    await travel(t, roles, "2025-06-23T10:00:00.000Z"); // the 15th working day: due today, not overdue
    expect(await overdue()).toEqual([]);
    await travel(t, roles, "2025-06-24T01:00:00.000Z");
    expect(await overdue()).toEqual([ordinary.id]);
    const read = await t.call("GET", `/v1/contracts/${ordinary.id}`, { token: roles.operator.token });
    expect(read.json.overdue).toBe(true);
    await travel(t, roles, "2025-07-15T01:00:00.000Z");
    expect(await overdue()).toEqual([ordinary.id, large.id]);
    await decide(t, roles.operator.token, ordinary.id, "register");
    expect(await overdue()).toEqual([large.id]);
    const notOverdue = await t.call("GET", "/v1/contracts?overdue=false", { token: roles.operator.token });
    expect(notOverdue.json.items.map((c: { id: string }) => c.id)).toEqual([ordinary.id]);
  });

  it("counts deadlines on China's official calendar, and the overdue list says which year's data it used", async () => {
    // Submitted Monday 22 September 2025: National Day (1-8 October) is skipped, the make-up
    // Sunday 28 September and Saturday 11 October count, so 15 working days end on Friday
    // 17 October, not on Monday 13 October as Monday to Friday would have it.
    await travel(t, roles, "2025-09-22T02:00:00.000Z");
    const contract = await givenRecordedContract(t, roles);
    expect(contract.reviewDueOn).toBe("2025-10-17");
    await travel(t, roles, "2025-10-14T02:00:00.000Z");
    const before = await t.call("GET", "/v1/contracts?overdue=true", { token: roles.operator.token });
    expect(before.json.items).toEqual([]);
    await travel(t, roles, "2025-10-18T02:00:00.000Z");
    const after = await t.call("GET", "/v1/contracts?overdue=true", { token: roles.operator.token });
    expect(after.json.items.map((c: { id: string }) => c.id)).toEqual([contract.id]);
    expect(after.json.reviewCalendar).toEqual({
      name: expect.stringMatching(/^chinese-days \d+\.\d+\.\d+$/),
      years: [{ year: 2025, source: "official" }],
    });
  });
});

describe("reversals", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("cancels at a party's request with a reversing entry dated that day; the registration is unchanged", async () => {
    const registered = await givenRegisteredContract(t, roles);
    await travel(t, roles, "2025-09-10T03:00:00.000Z");
    const noReason = await t.call("POST", `/v1/contracts/${registered.id}/cancellation`, {
      token: roles.otherMember.token,
      body: {},
    });
    expect(noReason.status).toBe(400);
    expect(noReason.json.errors).toEqual([{ pointer: "/reason", detail: "is required" }]);
    const cancelled = await t.call("POST", `/v1/contracts/${registered.id}/cancellation`, {
      token: roles.otherMember.token,
      body: { reason: "Rescinded by agreement" },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({
      status: "cancelled",
      endedOn: "2025-09-10",
      endReason: "Rescinded by agreement",
      registrationNumber: registered.registrationNumber,
      registeredOn: registered.registeredOn,
      totalAmount: registered.totalAmount,
    });
    const entries = await t.database.db.selectFrom("volume_entries").selectAll().orderBy("entry_on").execute();
    expect(entries.map((e) => [e.kind, e.entry_on, e.count, e.total_fen, e.technology_fen])).toEqual([
      ["registration", "2025-06-02", 1, 125_000_050, 100_000_000],
      ["cancellation", "2025-09-10", -1, -125_000_050, -100_000_000],
    ]);
    const twice = await t.call("POST", `/v1/contracts/${registered.id}/cancellation`, {
      token: roles.operator.token,
      body: { reason: "again" },
    });
    expect(twice.status).toBe(409);
  });

  it("revokes by an operator only", async () => {
    const registered = await givenRegisteredContract(t, roles);
    const path = `/v1/contracts/${registered.id}/revocation`;
    const byMember = await t.call("POST", path, { token: roles.member.token, body: { reason: "x" } });
    expect(byMember.status).toBe(403);
    const revoked = await t.call("POST", path, {
      token: roles.operator.token,
      body: { reason: "Duplicate of 2025540100000001" },
    });
    expect(revoked.json).toMatchObject({ status: "revoked", endedOn: "2025-06-02" });
    const sum = await t.database.db
      .selectFrom("volume_entries")
      .select((eb) => [eb.fn.sum<number>("total_fen").as("total"), eb.fn.sum<number>("count").as("count")])
      .executeTakeFirst();
    expect(sum).toEqual({ total: 0, count: 0 });
  });
});

describe("access to contracts", () => {
  let t: TestApp;
  let roles: RoleTokens;
  let outsider: Awaited<ReturnType<typeof givenMember>>;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
    outsider = await givenMember(t, roles.operator.token, { name: "Outsider", kind: "enterprise" });
  });

  it("lets every role do only what it may with another organisation's contract", async () => {
    // The contract is between member and otherMember; "otherMember" in the matrix plays the outsider.
    const asOutsider = { ...roles, otherMember: outsider };
    const registered = await givenRegisteredContract(t, roles);
    const recorded = await givenRecordedContract(t, roles);
    const id = registered.id;
    await expectRoleMatrix(t, asOutsider, { public: 401, member: 200, otherMember: 404, operator: 200 }, () => ({
      method: "GET",
      path: `/v1/contracts/${id}`,
    }));
    await expectRoleMatrix(t, asOutsider, { public: 401, member: 403, otherMember: 404, operator: 409 }, () => ({
      method: "POST",
      path: `/v1/contracts/${id}/decisions`,
      body: { decision: "register" },
    }));
    await expectRoleMatrix(t, asOutsider, { public: 401, member: 409, otherMember: 404, operator: 403 }, () => ({
      method: "PATCH",
      path: `/v1/contracts/${id}`,
      body: { title: "x" },
    }));
    await expectRoleMatrix(t, asOutsider, { public: 401, member: 403, otherMember: 404, operator: 409 }, () => ({
      method: "POST",
      path: `/v1/contracts/${recorded.id}/revocation`,
      body: { reason: "x" },
    }));
    await expectRoleMatrix(t, asOutsider, { public: 401, member: 409, otherMember: 404, operator: 409 }, () => ({
      method: "POST",
      path: `/v1/contracts/${recorded.id}/cancellation`,
      body: { reason: "x" },
    }));
    const listed = await t.call("GET", "/v1/contracts", { token: outsider.token });
    expect(listed.json).toMatchObject({ items: [], nextCursor: null });
    expect((await t.call("GET", "/v1/contracts")).status).toBe(401);
    // The buyer sees it too; cancellation by the party works last, so the matrix above saw it registered.
    const byBuyer = await t.call("GET", `/v1/contracts/${id}`, { token: roles.otherMember.token });
    expect(byBuyer.status).toBe(200);
  });

  it("lists with filters and cursor paging", async () => {
    const a = await givenRegisteredContract(t, roles, { type: "service", subType: "training" });
    const b = await givenRecordedContract(t, roles);
    await travel(t, roles, "2025-07-01T02:00:00.000Z", outsider);
    const c = await givenRegisteredContract(t, roles);
    const outsiderDeal = await t.call("POST", "/v1/contracts", {
      token: outsider.token,
      body: contractBody(outsider.organization.id, roles.otherMember.organization.id),
    });
    const ids = async (query: string, token = roles.operator.token) =>
      (await t.call("GET", `/v1/contracts${query}`, { token })).json.items.map((x: { id: string }) => x.id);

    expect(await ids("")).toEqual([a.id, b.id, c.id, outsiderDeal.json.id]);
    expect(await ids("", roles.member.token)).toEqual([a.id, b.id, c.id]);
    expect(await ids("?status=registered")).toEqual([a.id, c.id]);
    expect(await ids("?type=service")).toEqual([a.id]);
    expect(await ids("?registeredFrom=2025-06-15")).toEqual([c.id]);
    expect(await ids("?registeredTo=2025-06-15")).toEqual([a.id]);
    expect(await ids(`?party=${outsider.organization.id}`)).toEqual([outsiderDeal.json.id]);

    const page1 = await t.call("GET", "/v1/contracts?limit=2", { token: roles.operator.token });
    expect(page1.json.items).toHaveLength(2);
    const page2 = await t.call("GET", `/v1/contracts?limit=2&cursor=${page1.json.nextCursor}`, {
      token: roles.operator.token,
    });
    expect([...page1.json.items, ...page2.json.items].map((x: { id: string }) => x.id)).toEqual(await ids(""));
    const page3 = await t.call("GET", `/v1/contracts?limit=2&cursor=${page2.json.nextCursor}`, {
      token: roles.operator.token,
    });
    expect(page3.json).toMatchObject({ items: [], nextCursor: null });
  });

  it("names bad list parameters", async () => {
    const response = await t.call("GET", "/v1/contracts?limit=501&status=open&registeredFrom=2025-13-01&cursor=%%%", {
      token: roles.operator.token,
    });
    expect(response.status).toBe(400);
    expect(pointersOf(response.json)).toEqual(["limit", "registeredFrom", "status"]);
    const range = await t.call("GET", "/v1/contracts?registeredFrom=2025-07-01&registeredTo=2025-06-01", {
      token: roles.operator.token,
    });
    expect(range.json.errors).toEqual([{ pointer: "registeredFrom", detail: "must not be after registeredTo" }]);
    const cursor = await t.call("GET", "/v1/contracts?cursor=bm9wZQ", { token: roles.operator.token });
    expect(cursor.status).toBe(400);
    expect(cursor.json.errors).toEqual([{ pointer: "cursor", detail: "is not a cursor this API returned" }]);
  });
});

describe("without the single-writer queue (as on D1, where isolates write concurrently)", () => {
  let t: TestApp;
  let base: TestApp;
  let roles: RoleTokens;
  let retries = 0;
  let headReads = 0;
  beforeEach(async () => {
    base = await createTestApp();
    // Every attempt runs at once, so concurrent requests really do invalidate each other's reads.
    const store: LedgerStore = {
      ...base.deps.store,
      attempt: (run) => run(store),
      // A pause after reading the head, as a network round trip to D1 would make, so that
      // concurrent attempts really read the same head and all but one must retry.
      auditHead: async () => {
        const head = await base.deps.store.auditHead();
        headReads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return head;
      },
      findIdempotency: async (scope: string, key: string) => {
        const found = await base.deps.store.findIdempotency(scope, key);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return found;
      },
      commit: async (writeSet: Parameters<typeof base.deps.store.commit>[0]) => {
        try {
          await base.deps.store.commit(writeSet);
        } catch (error) {
          retries++;
          throw error;
        }
      },
    };
    t = await createTestApp({ store, clock: base.clock });
    roles = await givenRoles(t);
    retries = 0;
    headReads = 0;
  });

  it("the head guard alone keeps 64 concurrent retries of one key to one contract", async () => {
    const body = contractBody(roles.member.organization.id, roles.otherMember.organization.id);
    const headers = { "idempotency-key": "race" };
    const responses = await Promise.all(
      Array.from({ length: 64 }, () => t.call("POST", "/v1/contracts", { token: roles.member.token, body, headers })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(64).fill(201));
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    expect(await countRows(base, "tech_contracts")).toBe(1);
    // Reads of the head: one per attempt, and a re-check after each refusal. More than one per
    // request means some requests really were invalidated by another and decided again.
    expect(headReads).toBeGreaterThan(64);
  });

  it("the head guard alone keeps concurrent registrations gap-free", async () => {
    const second = await givenOperator(t, "Operator Two");
    const recorded = [];
    for (let i = 0; i < 16; i++) recorded.push(await givenRecordedContract(t, roles));
    retries = 0;
    const responses = await Promise.all(
      recorded.map((c, i) => decide(t, i % 2 ? second.token : roles.operator.token, c.id, "register")),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(16).fill(200));
    const numbers = responses.map((r) => r.json.registrationNumber).sort();
    expect(numbers).toEqual(Array.from({ length: 16 }, (_, i) => `2025540100${String(i + 1).padStart(6, "0")}`));
    expect(retries).toBeGreaterThan(0);
  });
});

describe("with group commit (a database file, as npm start runs it)", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp({}, { file: true });
    roles = await givenRoles(t);
  });

  it("commits concurrent requests together: each decided on the ones before it, the chain intact", async () => {
    const seller = roles.member.organization.id;
    const buyer = roles.otherMember.organization.id;
    const bodies = Array.from({ length: 24 }, () => contractBody(seller, buyer));
    // Every third request repeats an earlier contract number: queued in the same group as the
    // first, it must still see it and be refused, and its refusal must not undo the others.
    const sent = bodies.map((body, i) =>
      i % 3 === 2 ? { ...body, contractNumber: bodies[i - 1]?.contractNumber } : body,
    );
    const responses = await Promise.all(
      sent.map((body) => t.call("POST", "/v1/contracts", { token: roles.member.token, body })),
    );
    // Which of a pair lands first depends on arrival order; exactly one of each pair is recorded.
    for (let i = 0; i < sent.length; i += 3) {
      expect(responses[i]?.status).toBe(201);
      expect([responses[i + 1]?.status, responses[i + 2]?.status].sort()).toEqual([201, 409]);
    }
    expect(await countRows(t, "tech_contracts")).toBe(16);
    const retried = contractBody(seller, buyer);
    const same = await Promise.all(
      Array.from({ length: 32 }, () =>
        t.call("POST", "/v1/contracts", {
          token: roles.member.token,
          body: retried,
          headers: { "idempotency-key": "one" },
        }),
      ),
    );
    expect(same.map((r) => r.status)).toEqual(Array(32).fill(201));
    expect(new Set(same.map((r) => r.json.id)).size).toBe(1);
    expect(await countRows(t, "tech_contracts")).toBe(17);
    const verification = await t.call("GET", "/v1/audit/verification", { token: roles.operator.token });
    expect(verification.json).toMatchObject({ ok: true, problems: [] });
  });

  it("holds every response until what it may show is on disk", async () => {
    let hold = false;
    const held: (() => void)[] = [];
    const app = await createTestApp(
      {},
      {
        file: true,
        sqlite: {
          syncLog: async () => {
            if (hold) await new Promise<void>((resolve) => held.push(resolve));
          },
        },
      },
    );
    const parties = await givenRoles(app);
    hold = true;
    const body = contractBody(parties.member.organization.id, parties.otherMember.organization.id);
    let recorded = false;
    const posting = app.call("POST", "/v1/contracts", { token: parties.member.token, body }).then((r) => {
      recorded = r.status === 201;
    });
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Committed, not yet synced: a list that would show it is held back too.
    let listed: number | undefined;
    const listing = app.call("GET", "/v1/contracts", { token: parties.member.token }).then((r) => {
      listed = r.json.items.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(recorded).toBe(false);
    expect(listed).toBeUndefined();
    hold = false;
    for (const release of held) release();
    await Promise.all([posting, listing]);
    expect(recorded).toBe(true);
    expect(listed).toBe(1);
  });

  it("numbers concurrent registrations gap-free", async () => {
    await expectGapFreeConcurrentRegistrations(t, roles, 16);
    const progress = await t.call("GET", "/v1/statistics/progress");
    expect(progress.json.contractCount).toBe(16);
  });
});
