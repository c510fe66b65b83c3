import { describe, expect, it } from "vitest";
import { CONTRACT_TYPES } from "../../contracts/tech-contracts.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { contractBreakdown } from "../../src/domain/statistics/breakdown.ts";
import { goalProgress } from "../../src/domain/statistics/progress.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { DEMO_REGISTRY, demoPathRefusal, fillDemo, inspectDemoDatabase, planDemo } from "../../src/runtime/demo.ts";
import { countRows, createTestApp, fixedClock, tokenFor } from "../support/app.ts";

const NOW = "2026-06-30T04:00:00.000Z";

async function filledDemo(count = 300) {
  const t = await createTestApp({ clock: fixedClock(NOW) });
  const summary = await fillDemo(t.deps, new Date(NOW), count);
  return { t, summary };
}

describe("fillDemo", () => {
  it("also fills achievements, searchable in Chinese, some of them converted by the contracts", async () => {
    const { t } = await filledDemo();
    const stats = (await t.call("GET", "/v1/statistics/achievements")).json.totals;
    expect(stats.registered).toBeGreaterThan(250);
    expect(stats.converted).toBeGreaterThan(0);
    expect(stats.converted).toBeLessThan(stats.registered);
    for (const q of ["青稞", "藏药", "光伏", "牦牛"]) {
      const found = await t.call("GET", `/v1/achievements?q=${encodeURIComponent(q)}`);
      expect(found.json.items.length, q).toBeGreaterThan(0);
    }
    expect(await countRows(t, "achievements")).toBe(300);
  });

  it("also fills pledges to Lhasa's banks: some released and pledged again, some changed, amounts 500,000 to 30,000,000 yuan", async () => {
    const { t, summary } = await filledDemo();
    expect(summary.pledges.registered).toBeGreaterThan(80);
    expect(summary.pledges.released).toBeGreaterThan(0);
    expect(summary.pledges.changed).toBeGreaterThan(0);
    const stats = (await t.call("GET", "/v1/statistics/pledges?groupBy=pledgee")).json;
    expect(stats.rows).toHaveLength(3);
    expect(stats.totals.count).toBe(summary.pledges.registered - summary.pledges.released);
    expect(stats.totals.pledgorCount).toBeGreaterThan(1);
    const pledges = await t.deps.store.listPledges({ limit: 500 });
    for (const p of pledges) {
      expect(p.securedFen).toBeGreaterThanOrEqual(50_000_000);
      expect(p.securedFen).toBeLessThanOrEqual(3_000_000_000);
    }
    // A released pledge's rights are held again by the pledge that followed it.
    const released = pledges.find((p) => p.status === "released");
    const holder = await t.call(
      "GET",
      `/v1/pledges/rights/${released?.rights[0]?.type}/${released?.rights[0]?.number}`,
    );
    expect(holder.json).toMatchObject({ pledged: true });
    expect(holder.json.registrationNumber).not.toBe(released?.registrationNumber);
  });

  it("fills through the domain operations: the ledger verifies and every figure is accounted for", async () => {
    const { t, summary } = await filledDemo();

    const report = await verifyLedger(t.deps);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);

    expect(summary.registered).toBeGreaterThan(290);
    expect(summary.registered).toBeLessThanOrEqual(300);
    expect(summary.members).toBe(30);
    expect(summary.cancelled + summary.revoked).toBeGreaterThan(0);
    expect(summary.large).toBeGreaterThan(0);
    expect(summary.firstRegisteredOn?.slice(0, 4)).toBe("2021");
    expect(summary.lastRegisteredOn && summary.lastRegisteredOn <= "2026-06-30").toBe(true);

    // Contracts on record equal registrations; reversals are entries of their own.
    expect(await countRows(t, "tech_contracts")).toBe(summary.registered);
    expect(await countRows(t, "volume_entries")).toBe(summary.registered + summary.cancelled + summary.revoked);
    const reversed = [
      ...(await t.deps.store.listTechContracts({ limit: 1000, status: "cancelled" })),
      ...(await t.deps.store.listTechContracts({ limit: 1000, status: "revoked" })),
    ];
    expect(reversed).toHaveLength(summary.cancelled + summary.revoked);
    for (const contract of reversed) expect(contract.endedOn && contract.endedOn <= "2026-06-30").toBe(true);
    const large = (await t.deps.store.listTechContracts({ limit: 1000 })).filter((c) => c.large);
    expect(large).toHaveLength(summary.large);
    for (const contract of large) {
      expect(new Set(contract.approvals.map((a) => a.keyId)).size).toBe(2);
    }
  });

  it("a breakdown by year and type sums to its totals, and over the plan period to the goal's progress", async () => {
    const { t } = await filledDemo();

    const toNow = await contractBreakdown(t.deps, {
      audience: "operator",
      groupBy: ["year", "type"],
      amount: "total",
      from: "2021-01-01",
      to: "2026-06-30",
    });
    const sum = (rows: typeof toNow.rows) =>
      rows.reduce(
        (s, r) => ({
          count: s.count + r.count,
          totalFen: s.totalFen + r.totalFen,
          technologyFen: s.technologyFen + r.technologyFen,
        }),
        { count: 0, totalFen: 0, technologyFen: 0 },
      );
    expect(toNow.totals).toMatchObject(sum(toNow.rows));
    expect(new Set(toNow.rows.map((r) => r.keys.type))).toEqual(new Set(CONTRACT_TYPES));
    expect(new Set(toNow.rows.map((r) => r.keys.year))).toEqual(
      new Set(["2021", "2022", "2023", "2024", "2025", "2026"]),
    );

    const plan = await contractBreakdown(t.deps, {
      audience: "operator",
      groupBy: ["year", "type"],
      amount: "total",
      from: "2021-01-01",
      to: "2025-12-31",
    });
    expect(plan.totals).toMatchObject(sum(plan.rows));
    const progress = await goalProgress(t.deps);
    expect(progress.goal.startsOn).toBe("2021-01-01");
    expect(progress.goal.endsOn).toBe("2025-12-31");
    expect(progress.cumulativeFen).toBe(plan.totals.totalFen);
    expect(progress.contractCount).toBe(plan.totals.count);
    expect(progress.cumulativeFen).toBeGreaterThan(0);
  });

  it("leaves the ledger recognisable as the demo's, with a working operator key", async () => {
    const { t, summary } = await filledDemo(40);

    const state = await inspectDemoDatabase(t.deps.store);
    expect(state).toEqual({ hasContracts: true, operatorOrganization: DEMO_REGISTRY });
    expect(planDemo(state)).toEqual({ action: "serve" });

    const token = await tokenFor(t, summary.operatorApiKey);
    const listed = await t.call("GET", "/v1/contracts?limit=5", { token });
    expect(listed.status).toBe(200);
    expect(listed.json.items[0].contractNumber).toMatch(/^DEMO-20\d\d-\d{6}$/);
  });

  it("refuses a ledger that already has an operator organisation", async () => {
    const t = await createTestApp({ clock: fixedClock(NOW) });
    await createOperator(t.deps, "Dawa");
    await expect(fillDemo(t.deps, new Date(NOW), 10)).rejects.toThrow(/only an empty ledger/);
    expect(await countRows(t, "tech_contracts")).toBe(0);
  });
});

describe("the demo's guards", () => {
  it("refuses a demo path that is the real ledger's, however it is spelled", () => {
    expect(demoPathRefusal("./data/ledger.sqlite", "./data/ledger.sqlite")).toMatch(/real ledger/);
    expect(demoPathRefusal("data/ledger.sqlite", `${process.cwd()}/data/../data/ledger.sqlite`)).toMatch(/real ledger/);
    // The fill writes to `<demo>.filling` first: that must not be the real ledger either.
    expect(demoPathRefusal("./data/x.sqlite", "./data/x.sqlite.filling")).toMatch(/real ledger/);
  });

  it("accepts a separate demo path, and in-memory databases, which are never shared", () => {
    expect(demoPathRefusal("./data/demo.sqlite", "./data/ledger.sqlite")).toBeNull();
    expect(demoPathRefusal(":memory:", ":memory:")).toBeNull();
    expect(demoPathRefusal("./data/demo.sqlite", ":memory:")).toBeNull();
  });

  it("fills only an empty database, serves one the demo filled and refuses any other", () => {
    expect(planDemo({ hasContracts: false, operatorOrganization: null })).toEqual({ action: "fill" });
    expect(planDemo({ hasContracts: true, operatorOrganization: DEMO_REGISTRY })).toEqual({ action: "serve" });
    expect(planDemo({ hasContracts: true, operatorOrganization: "Technology Property Rights Market" })).toMatchObject({
      action: "refuse",
      reason: expect.stringMatching(/not demo data/),
    });
    expect(planDemo({ hasContracts: true, operatorOrganization: null })).toMatchObject({ action: "refuse" });
    expect(planDemo({ hasContracts: false, operatorOrganization: "Technology Property Rights Market" })).toMatchObject({
      action: "refuse",
      reason: expect.stringMatching(/real ledger/),
    });
  });
});
