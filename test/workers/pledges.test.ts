import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { patentCheckCharacter } from "../../contracts/ip-numbers.ts";
import { openD1 } from "../../db/dialects/d1.ts";
import { memoryVault } from "../../src/crypto/key-vault.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";
import { call, creditCode } from "./worker-http.ts";

const patent = (n: number) => {
  const digits = `20221${String(n).padStart(7, "0")}`;
  return `ZL${digits}.${patentCheckCharacter(digits)}`;
};

describe("IP pledges on D1 (workerd)", () => {
  it("submits, refuses 31 of 32 racing pledges of one right, registers, changes, releases, counts and verifies", async () => {
    expect((await call("GET", "/healthz")).status).toBe(200); // migrates the database
    const deps = await buildDeps(openD1(env.DB), parseConfig({}), { vault: memoryVault() });
    const operator = await createOperator(deps, "Pledges Operator");
    const token = async (apiKey: string) =>
      (await call("POST", "/v1/auth/token", { apiKey })).json.accessToken as string;
    const op = await token(operator.apiKey);
    const reviewer = await token((await createOperator(deps, "Pledges Reviewer")).apiKey);
    const member = async (name: string, kind: string, n: number) => {
      const org = await call(
        "POST",
        "/v1/organizations",
        { name, kind, creditCode: creditCode(n), regionCode: "540102" },
        op,
      );
      expect(org.status).toBe(201);
      const key = await call("POST", `/v1/organizations/${org.json.id}/api-keys`, { holder: "Office" }, op);
      return { id: org.json.id as string, name, token: await token(key.json.apiKey) };
    };
    const firm = await member("西藏藏药股份有限公司", "enterprise", 951);
    const banks = [await member("西藏银行", "bank", 952), await member("中国农业银行拉萨分行", "bank", 953)];
    const body = (bankId: string, number: string, i: number) => ({
      pledgor: { organizationId: firm.id },
      pledgeeOrganizationId: bankId,
      rights: [{ type: "patent", number, title: "藏药制备方法" }],
      securedAmount: "12000000",
      termStart: "2026-01-01",
      termEnd: "2027-12-31",
      contractNumber: `ZY-D1-${i}`,
    });

    const contested = patent(1);
    const responses = await Promise.all(
      Array.from({ length: 32 }, (_, i) => {
        const bank = banks[i % 2] as (typeof banks)[number];
        return call("POST", "/v1/pledges", body(bank.id, i % 2 ? contested : contested.slice(2), i), bank.token);
      }),
    );
    const won = responses.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    const refused = responses.filter((r) => r.status === 409);
    expect(refused).toHaveLength(31);
    for (const r of refused) expect(r.json.existingId).toBe(won[0]?.json.id);
    const id = won[0]?.json.id as string;

    const registered = await call("POST", `/v1/pledges/${id}/decisions`, { decision: "register" }, reviewer);
    expect(registered.status).toBe(200);
    expect(registered.json.registrationNumber).toMatch(/^ZY\d{4}540100000001$/);
    const seen = await call("GET", `/v1/pledges/rights/patent/${contested}`);
    expect(seen.json).toMatchObject({
      pledged: true,
      status: "registered",
      pledgee: { name: won[0]?.json.pledgee.name },
    });
    expect(JSON.stringify(seen.json)).not.toContain("12000000");

    const pledgee = banks.find((b) => b.id === won[0]?.json.pledgee.organizationId) as (typeof banks)[number];
    const change = await call(
      "POST",
      `/v1/pledges/${id}/changes`,
      { securedAmount: "8000000", reason: "Partly repaid" },
      pledgee.token,
    );
    expect(change.status).toBe(200);
    expect((await call("POST", `/v1/pledges/${id}/decisions`, { decision: "register" }, reviewer)).json).toMatchObject({
      version: 2,
      securedAmount: "8000000.00",
      sizeBand: "small",
    });
    const stats = await call("GET", "/v1/statistics/pledges?groupBy=sizeBand", undefined, op);
    expect(stats.json.totals).toEqual({ count: 1, securedAmount: "8000000.00", pledgorCount: 1, smallShare: "1.0000" });

    expect((await call("POST", `/v1/pledges/${id}/release`, { reason: "Repaid" }, pledgee.token)).status).toBe(200);
    expect((await call("GET", `/v1/pledges/rights/patent/${contested}`)).json.pledged).toBe(false);
    const again = await call("POST", "/v1/pledges", body(banks[0]?.id ?? "", contested, 99), banks[0]?.token);
    expect(again.status).toBe(201);
    expect((await call("GET", "/v1/statistics/pledges")).json.totals).toMatchObject({
      count: 0,
      securedAmount: "0.00",
    });
    const report = await verifyLedger(deps);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });
});
