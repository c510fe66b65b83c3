import { beforeAll, describe, expect, it } from "vitest";
import { patentCheckCharacter } from "../../../contracts/ip-numbers.ts";
import { countRows, createTestApp, type TestApp } from "../../support/app.ts";
import {
  decidePledge,
  givenBank,
  givenRegisteredPledge,
  givenSubmittedPledge,
  patentNumber,
  pledgeBody,
} from "../../support/given-pledge.ts";
import { givenRoles, type RoleTokens } from "../../support/roles.ts";

type Body = Record<string, any>;
type Response = Awaited<ReturnType<TestApp["call"]>>;

function expectFieldError(response: Response, pointer: string, detail: RegExp = /\S/) {
  expect(response.status, response.text).toBe(400);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const error = response.json.errors?.find((e: { pointer: string }) => e.pointer === pointer);
  expect(error, `no error at ${pointer} in ${response.text}`).toBeDefined();
  expect(error.detail, `${pointer} in ${response.text}`).toMatch(detail);
}

const right = (type: string, number: string) => ({ rights: [{ type, number, title: "权利" }] });

describe("IP pledges: each invalid field is named, and nothing is written", () => {
  let t: TestApp;
  let roles: RoleTokens;
  let bank: Awaited<ReturnType<typeof givenBank>>;
  beforeAll(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
    bank = await givenBank(t, roles);
  });
  const valid = (overrides: Body = {}) =>
    pledgeBody(roles.member.organization.id, bank.organization.id, overrides) as Body;

  async function expectRefused(body: unknown, pointer: string, detail?: RegExp, token = bank.token) {
    const before = { pledges: await countRows(t, "pledges"), events: await countRows(t, "audit_events") };
    const response = await t.call("POST", "/v1/pledges", { token, body });
    expectFieldError(response, pointer, detail);
    expect({ pledges: await countRows(t, "pledges"), events: await countRows(t, "audit_events") }).toEqual(before);
  }

  const without = (field: string) => {
    const body = valid();
    delete body[field];
    return body;
  };

  const cases: [string, () => unknown, string, RegExp?][] = [
    ["missing pledgor", () => without("pledgor"), "/pledgor"],
    ["missing pledgee", () => without("pledgeeOrganizationId"), "/pledgeeOrganizationId"],
    ["missing rights", () => without("rights"), "/rights"],
    ["missing securedAmount", () => without("securedAmount"), "/securedAmount"],
    ["missing termStart", () => without("termStart"), "/termStart"],
    ["missing termEnd", () => without("termEnd"), "/termEnd"],
    ["missing contractNumber", () => without("contractNumber"), "/contractNumber"],
    ["an unknown field", () => valid({ interestRate: "4.2" }), "/interestRate"],
    ["no rights", () => valid({ rights: [] }), "/rights", /1 to 50/],
    [
      "51 rights",
      () =>
        valid({
          rights: Array.from({ length: 51 }, (_, i) => ({
            type: "trademark",
            number: String(1000 + i),
            title: "商标",
          })),
        }),
      "/rights",
      /1 to 50/,
    ],
    [
      "a right given twice (another spelling)",
      () => {
        const n = patentNumber();
        return valid({
          rights: [
            { type: "patent", number: n, title: "A" },
            { type: "patent", number: n.slice(2), title: "B" },
          ],
        });
      },
      "/rights/1",
      /twice/,
    ],
    ["a right type no register has", () => valid(right("ic_layout", "BS.215012345")), "/rights/0/type"],
    ["a right type of __proto__", () => valid(right("__proto__", "1")), "/rights/0/type"],
    ["a right without title", () => valid({ rights: [{ type: "trademark", number: "12345678" }] }), "/rights/0/title"],
    [
      "a patent with a wrong check character",
      () => valid(right("patent", "ZL202110123456.8")),
      "/rights/0/number",
      /check character.*202110123456\.7/,
    ],
    [
      "a patent of 11 digits",
      () => valid(right("patent", "20211012345.6")),
      "/rights/0/number",
      /Chinese patent number/,
    ],
    ["a patent with a year before 2003", () => valid(right("patent", "199910123456.1")), "/rights/0/number", /year/],
    ["a patent of an unknown type digit", () => valid(right("patent", "202150123456.3")), "/rights/0/number", /type/],
    ["a trademark with letters", () => valid(right("trademark", "TM12345")), "/rights/0/number", /trademark number/],
    [
      "a trademark of ten digits",
      () => valid(right("trademark", "1234567890")),
      "/rights/0/number",
      /trademark number/,
    ],
    [
      "a copyright number in the wrong form",
      () => valid(right("copyright", "2021-A-00012345")),
      "/rights/0/number",
      /copyright number/,
    ],
    [
      "a software copyright number in the wrong form",
      () => valid(right("software_copyright", "2021R0123456")),
      "/rights/0/number",
      /software_copyright number/,
    ],
    ["a secured amount of zero", () => valid({ securedAmount: "0.00" }), "/securedAmount", /more than zero/],
    ["a secured amount as a JSON number", () => valid({ securedAmount: 5000000 }), "/securedAmount"],
    ["a negative secured amount", () => valid({ securedAmount: "-1" }), "/securedAmount"],
    ["a secured amount with three decimals", () => valid({ securedAmount: "1.005" }), "/securedAmount"],
    [
      "a term ending before it starts",
      () => valid({ termStart: "2026-01-01", termEnd: "2025-12-31" }),
      "/termEnd",
      /before termStart/,
    ],
    ["a term start that is no date", () => valid({ termStart: "2025-02-30" }), "/termStart", /calendar date/],
    ["an empty contract number", () => valid({ contractNumber: "   " }), "/contractNumber"],
    ["a contract number with a bidi override", () => valid({ contractNumber: "ZY\u202E1" }), "/contractNumber"],
    [
      "a pledgee that is no member",
      () => valid({ pledgeeOrganizationId: "org_nobody" }),
      "/pledgeeOrganizationId",
      /no member/,
    ],
  ];
  for (const [name, make, pointer, detail] of cases) {
    it(`refuses ${name}, naming ${pointer}`, async () => {
      await expectRefused(make(), pointer, detail);
    });
  }

  it("accepts every register's number in its own form, full-width and spaced", async () => {
    const body = valid({
      rights: [
        { type: "patent", number: "２０２１１０１２３４５６．７", title: "全角专利号" },
        { type: "patent", number: `zl 02123456.${patentCheckCharacter("02123456")}`, title: "2003年前专利" },
        { type: "trademark", number: " 12345678 ", title: "商标" },
        { type: "copyright", number: "国作登字-2021-A-00012345", title: "作品" },
        { type: "software_copyright", number: "2021sr0123456", title: "软件" },
      ],
    });
    const response = await t.call("POST", "/v1/pledges", { token: bank.token, body });
    expect(response.status, response.text).toBe(201);
    const held = await t.call("GET", "/v1/pledges/rights/software_copyright/2021SR0123456");
    expect(held.json).toMatchObject({ pledged: true, right: { number: "2021SR0123456" } });
  });

  it("a pledgee that is a member but not a bank", async () => {
    await expectRefused(
      valid({ pledgeeOrganizationId: roles.otherMember.organization.id }),
      "/pledgeeOrganizationId",
      /must be a bank/,
    );
  });

  it("a pledgor that is the pledgee", async () => {
    await expectRefused(
      valid({ pledgor: { organizationId: bank.organization.id } }),
      "/pledgor",
      /must not be the pledgee/,
    );
  });

  it("names every bad field at once", async () => {
    const response = await t.call("POST", "/v1/pledges", {
      token: bank.token,
      body: valid({
        securedAmount: "0",
        termStart: "2026-01-01",
        termEnd: "2025-01-01",
        ...right("patent", "ZL202110123456.8"),
      }),
    });
    expect(response.status).toBe(400);
    expect(response.json.errors.map((e: any) => e.pointer).sort()).toEqual([
      "/rights/0/number",
      "/securedAmount",
      "/termEnd",
    ]);
  });

  it("decisions, changes, releases and lookups name their bad fields", async () => {
    const submitted = await givenSubmittedPledge(t, roles, bank);
    expectFieldError(await decidePledge(t, roles.operator.token, submitted.id, "reject"), "/reason", /required/);
    expectFieldError(await decidePledge(t, roles.operator.token, submitted.id, "approve"), "/decision");
    const registered = await givenRegisteredPledge(t, roles, bank);
    const change = (body: unknown) =>
      t.call("POST", `/v1/pledges/${registered.id}/changes`, { token: bank.token, body });
    expectFieldError(await change({ reason: "Nothing" }), "/securedAmount", /securedAmount, termEnd or both/);
    expectFieldError(await change({ securedAmount: "0", reason: "Zero" }), "/securedAmount", /more than zero/);
    expectFieldError(await change({ termEnd: "2020-01-01", reason: "Back" }), "/termEnd", /before the term's start/);
    expectFieldError(await change({ securedAmount: "5000000", reason: "Same" }), "/securedAmount", /changes nothing/);
    expectFieldError(await change({ termEnd: "2028-01-01" }), "/reason");
    const release = await t.call("POST", `/v1/pledges/${registered.id}/release`, { token: bank.token, body: {} });
    expectFieldError(release, "/reason");
    expectFieldError(await t.call("GET", "/v1/pledges/rights/patent/ZL202110123456.8"), "number", /check character/);
    expectFieldError(await t.call("GET", "/v1/pledges/rights/design/123"), "type");
    expectFieldError(await t.call("GET", "/v1/pledges?status=active", { token: bank.token }), "status");
    expectFieldError(await t.call("GET", "/v1/pledges?cursor=nonsense", { token: bank.token }), "cursor");
    expectFieldError(await t.call("GET", "/v1/statistics/pledges?groupBy=month,year"), "groupBy", /more than one/);
    expectFieldError(await t.call("GET", "/v1/statistics/pledges?groupBy=pledgor"), "groupBy", /unknown dimension/);
    expectFieldError(await t.call("GET", "/v1/statistics/pledges?from=2025-02-01&to=2025-01-01"), "from");
  });
});
