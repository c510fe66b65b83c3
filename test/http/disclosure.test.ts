import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LARGE_CONTRACT_YUAN } from "../../contracts/tech-contracts.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRegisteredAchievement } from "../support/given-achievement.ts";
import { givenBank, givenRegisteredPledge } from "../support/given-pledge.ts";
import { givenRoles, type RoleTokens } from "../support/roles.ts";

const OFF = { limit: 0, windowMs: 60_000 };
const SEVEN = "type,techField,sellerKind,buyerKind,ipType,sellerRegion,flow";

async function ledger() {
  const t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } });
  return { t, roles: await givenRoles(t) };
}

const contract = (t: TestApp, roles: RoleTokens, techField: string, yuan: number, ipType = "patent") =>
  givenRegisteredContract(t, roles, {
    techField,
    ipType,
    totalAmount: String(yuan),
    technologyAmount: String(Math.floor(yuan / 2)),
  });

describe("disclosure control on public statistics", () => {
  it("shows no single contract's price: a one-day query of one registration, by all seven dimensions or none", async () => {
    const { t, roles } = await ledger();
    // An empty ledger describes no one: its totals are zeros, not withheld.
    expect((await t.call("GET", "/v1/statistics/contracts")).json.totals).toEqual({
      count: 0,
      totalAmount: "0.00",
      technologyAmount: "0.00",
    });
    const only = await contract(t, roles, "agriculture", 777_000);
    const day = only.registeredOn;
    for (const query of [`from=${day}&to=${day}&groupBy=${SEVEN}`, `from=${day}&to=${day}`]) {
      const open = await t.call("GET", `/v1/statistics/contracts?${query}`);
      expect(open.status).toBe(200);
      expect(open.text).not.toContain("777000");
      expect(open.text).not.toContain("388500");
      expect(open.json.totals).toEqual({ suppressed: true });
      for (const row of open.json.rows) {
        expect(row.suppressed).toBe(true);
        expect(row).not.toHaveProperty("count");
      }
      const csv = await t.call("GET", `/v1/statistics/contracts?${query}`, { headers: { accept: "text/csv" } });
      expect(csv.text).not.toContain("777000");
      expect(csv.text.trim().split(/\r?\n/).at(-1)).toMatch(/,true$/);
      // Operators see every cell.
      const operator = await t.call("GET", `/v1/statistics/contracts?${query}`, { token: roles.operator.token });
      expect(operator.json.totals).toEqual({ count: 1, totalAmount: "777000.00", technologyAmount: "388500.00" });
      expect(operator.json.rows[0].suppressed).toBeUndefined();
    }
    // Members are the public here: they see the table under the same rule.
    const member = await t.call("GET", `/v1/statistics/contracts?from=${day}&to=${day}`, {
      token: roles.member.token,
    });
    expect(member.json.totals).toEqual({ suppressed: true });
  });

  it("suppresses a cell one contract dominates and the complement that would give it away; totals stay exact", async () => {
    const { t, roles } = await ledger();
    // Agriculture: 3 contracts, one of them 90% of the cell. New materials: 3 small ones. Energy: 4.
    for (const yuan of [10_000, 10_000, 180_000]) await contract(t, roles, "agriculture", yuan);
    for (const yuan of [30_000, 30_000, 30_000]) await contract(t, roles, "new_materials", yuan);
    for (const yuan of [50_000, 50_000, 50_000, 50_000]) await contract(t, roles, "new_energy", yuan);
    const open = (await t.call("GET", "/v1/statistics/contracts?groupBy=techField")).json;
    expect(open.rows).toEqual([
      { techField: "agriculture", suppressed: true },
      { techField: "new_energy", count: 4, totalAmount: "200000.00", technologyAmount: "100000.00" },
      // The smallest other cell: without it, totals minus energy would be agriculture's.
      { techField: "new_materials", suppressed: true },
    ]);
    expect(open.totals).toEqual({ count: 10, totalAmount: "490000.00", technologyAmount: "245000.00" });
    // With the year-earlier comparison, the row of a month keeps the same rule.
    const byMonth = (await t.call("GET", "/v1/statistics/contracts?groupBy=month,techField")).json;
    expect(byMonth.rows.filter((r: { suppressed?: boolean }) => r.suppressed)).toHaveLength(2);
  });

  it("applies the same rule to pledge statistics and to achievement statistics", async () => {
    const { t, roles } = await ledger();
    const bank = await givenBank(t, roles);
    await givenRegisteredPledge(t, roles, bank, { securedAmount: "2500000.25" });
    const open = (await t.call("GET", "/v1/statistics/pledges?groupBy=rightType")).json;
    expect(open.totals).toEqual({ suppressed: true });
    expect(open.rows).toEqual([{ rightType: "patent", suppressed: true }]);
    expect(JSON.stringify(open)).not.toContain("2500000");
    const operator = (await t.call("GET", "/v1/statistics/pledges", { token: roles.operator.token })).json;
    expect(operator.totals).toMatchObject({ count: 1, securedAmount: "2500000.25" });
    const csv = await t.call("GET", "/v1/statistics/pledges?groupBy=rightType", { headers: { accept: "text/csv" } });
    expect(csv.text).not.toContain("2500000");

    // Achievements: a cell with no conversion describes no contract; one with a single conversion does.
    const plain = await givenRegisteredAchievement(t, roles);
    expect((await t.call("GET", "/v1/statistics/achievements")).json.totals).toMatchObject({ registered: 1 });
    const converted = await givenRegisteredAchievement(t, roles, { kind: "soft_science" });
    await givenRegisteredContract(t, roles, { achievementIds: [converted.id] });
    expect(plain.id).not.toBe(converted.id);
    const achievements = (await t.call("GET", "/v1/statistics/achievements?groupBy=kind")).json;
    expect(achievements.totals).toEqual({ suppressed: true });
    expect(achievements.rows.every((r: { suppressed?: boolean }) => r.suppressed)).toBe(true);
    const insight = (await t.call("GET", "/v1/statistics/achievements", { token: roles.operator.token })).json;
    expect(insight.totals).toMatchObject({ registered: 2, converted: 1 });
  });
});

interface Generated {
  techField: string;
  ipType: string;
  yuan: number;
}

const FIELDS = ["agriculture", "new_materials", "new_energy"];
const IPS = ["patent", "none", "software_copyright"];

describe("disclosure control (property)", () => {
  it("for random ledgers: every published cell is exact and describes at least 3 undominated contracts, and no suppressed cell is a published line's sum less its published cells", async () => {
    const contracts = fc.array(
      fc.record({
        techField: fc.constantFrom(...FIELDS),
        ipType: fc.constantFrom(...IPS),
        yuan: fc.oneof(
          fc.integer({ min: 1_000, max: 20_000 }),
          fc.integer({ min: 100_000, max: LARGE_CONTRACT_YUAN - 1 }),
        ),
      }),
      { minLength: 4, maxLength: 18 },
    );
    await fc.assert(
      fc.asyncProperty(contracts, async (list: Generated[]) => {
        const { t, roles } = await ledger();
        for (const c of list) await contract(t, roles, c.techField, c.yuan, c.ipType);
        const get = async (groupBy: string, token?: string) =>
          (await t.call("GET", `/v1/statistics/contracts?groupBy=${groupBy}`, token ? { token } : {})).json;
        const two = await get("techField,ipType");
        const byField = await get("techField");
        const byIp = await get("ipType");
        const truth = await get("techField,ipType", roles.operator.token);
        const key = (r: Record<string, string>) => `${r.techField}|${r.ipType}`;
        const exact = new Map(truth.rows.map((r: Record<string, string>) => [key(r), r]));
        for (const row of two.rows) {
          if (row.suppressed) continue;
          expect(row).toEqual(exact.get(key(row)));
          const members = list.filter((c) => c.techField === row.techField && c.ipType === row.ipType);
          expect(members.length).toBeGreaterThanOrEqual(3);
          const largest = Math.max(...members.map((c) => c.yuan));
          expect(largest * 5).toBeLessThanOrEqual(Number(row.totalAmount) * 4);
        }
        // Each line of the two-way table whose sum is published elsewhere (its one-way row, or
        // the totals for the whole table) holds no suppressed cell or at least two.
        const lines: [string, Record<string, unknown> | undefined, Record<string, unknown>[]][] = [
          ...FIELDS.map((f): [string, Record<string, unknown> | undefined, Record<string, unknown>[]] => [
            f,
            byField.rows.find((r: Record<string, string>) => r.techField === f),
            two.rows.filter((r: Record<string, string>) => r.techField === f),
          ]),
          ...IPS.map((ip): [string, Record<string, unknown> | undefined, Record<string, unknown>[]] => [
            ip,
            byIp.rows.find((r: Record<string, string>) => r.ipType === ip),
            two.rows.filter((r: Record<string, string>) => r.ipType === ip),
          ]),
          ["totals", two.totals, two.rows],
        ];
        for (const [name, marginal, cells] of lines) {
          if (!marginal || marginal.suppressed) continue;
          const hidden = cells.filter((r) => r.suppressed);
          if (cells.length >= 2) {
            expect(hidden.length, `${name}: one suppressed cell is its line's sum less the published ones`).not.toBe(1);
            continue;
          }
          // A line of one cell is that cell: its row in the one-way table shows it, under the same
          // rule, so a cell withheld for its own sake is withheld there too.
          const [only] = cells;
          if (only?.suppressed) {
            const members = list.filter((c) => c.techField === only.techField && c.ipType === only.ipType);
            const dominated = Math.max(...members.map((c) => c.yuan)) * 5 > members.reduce((n, c) => n + c.yuan, 0) * 4;
            expect(members.length >= 3 && !dominated, `${name}: a primary cell shown by its line`).toBe(true);
          }
        }
      }),
      { numRuns: Number(process.env.DISCLOSURE_RUNS ?? 12) },
    );
  }, 120_000);
});
