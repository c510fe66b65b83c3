import fc from "fast-check";
import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { type CATEGORY_DIMENSIONS, DIMENSIONS, PERIOD_DIMENSIONS } from "../../contracts/statistics.ts";
import { IP_TYPES, TECH_FIELDS } from "../../contracts/tech-contracts.ts";
import { rollupBreakdown } from "../../db/stores/rollups.ts";
import { chinaDate } from "../../src/domain/dates.ts";
import { MAX_ANSWER_GROUPS, ROLLUP_FAMILIES } from "../../src/domain/ledger/rollup-families.ts";
import { createSerialGate } from "../../src/domain/next-turn.ts";
import type { Actor } from "../../src/domain/ports.ts";
import { contractBreakdown, type Dimension, yearEarlier } from "../../src/domain/statistics/breakdown.ts";
import { decideTechContract } from "../../src/domain/tech-contracts/decide-tech-contract.ts";
import { cancelTechContract, revokeTechContract } from "../../src/domain/tech-contracts/end-tech-contract.ts";
import { recordTechContract } from "../../src/domain/tech-contracts/record-tech-contract.ts";
import type { TechContractRecord } from "../../src/domain/tech-contracts/tech-contract.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { countRows, createTestApp, type TestApp, validCreditCode } from "../support/app.ts";
import { contractBody, decide, givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles, type RoleTokens, travel } from "../support/roles.ts";

async function createGoal(t: TestApp, roles: RoleTokens, target: string, amount = "total") {
  const response = await t.call("POST", "/v1/goals", {
    token: roles.operator.token,
    body: { name: "Test goal", targetAmount: target, startsOn: "2025-01-01", endsOn: "2025-12-31", amount },
  });
  expect(response.status, response.text).toBe(201);
  return response.json.id as string;
}

describe("goals and progress", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("defaults to the plan goal from configuration: 7 billion yuan, 2021-2025, contract value", async () => {
    const goals = await t.call("GET", "/v1/goals");
    expect(goals.json.items[0]).toEqual({
      id: "plan",
      name: "Cumulative technology-market transaction volume 7 billion yuan",
      targetAmount: "7000000000.00",
      startsOn: "2021-01-01",
      endsOn: "2025-12-31",
      amount: "total",
      source: "configuration",
      createdAt: null,
    });
    const progress = await t.call("GET", "/v1/statistics/progress");
    expect(progress.status).toBe(200);
    expect(progress.json).toMatchObject({
      goal: { id: "plan" },
      cumulativeAmount: "0.00",
      contractCount: 0,
      percent: "0.00",
      remainingAmount: "7000000000.00",
      runRatePerMonth: "0.00",
      projectedReachOn: null,
      reachedOn: null,
    });
  });

  it("lets only operators add goals, validating them", async () => {
    const bad = await t.call("POST", "/v1/goals", {
      token: roles.operator.token,
      body: { name: "", targetAmount: "0", startsOn: "2025-12-31", endsOn: "2025-01-01", amount: "both" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      "/amount",
      "/endsOn",
      "/name",
      "/targetAmount",
    ]);
    const body = { name: "x", targetAmount: "1", startsOn: "2025-01-01", endsOn: "2025-12-31" };
    expect((await t.call("POST", "/v1/goals", { token: roles.member.token, body })).status).toBe(403);
    expect((await t.call("POST", "/v1/goals", { body })).status).toBe(401);
    const created = await t.call("POST", "/v1/goals", { token: roles.operator.token, body });
    expect(created.json).toMatchObject({ amount: "total", source: "operator", targetAmount: "1.00" });
    const missing = await t.call("GET", "/v1/statistics/progress?goalId=goal_nope");
    expect(missing.status).toBe(404);
  });

  it("is exact to the fen around the crossing, and a reversal that goes back under un-reaches it", async () => {
    const goalId = await createGoal(t, roles, "3000000.02");
    const progress = async () => (await t.call("GET", `/v1/statistics/progress?goalId=${goalId}`)).json;
    const first = await givenRegisteredContract(t, roles, { totalAmount: "1000000.01", technologyAmount: "1" });
    await travel(t, roles, "2025-06-10T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "2000000.00", technologyAmount: "1" });
    expect(await progress()).toMatchObject({
      cumulativeAmount: "3000000.01",
      remainingAmount: "0.01",
      percent: "99.99",
      reachedOn: null,
      contractCount: 2,
    });
    await travel(t, roles, "2025-06-12T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "0.01", technologyAmount: "0" });
    expect(await progress()).toMatchObject({
      cumulativeAmount: "3000000.02",
      remainingAmount: "0.00",
      percent: "100.00",
      reachedOn: "2025-06-12",
      projectedReachOn: null,
    });
    // A later registration does not move the date.
    await travel(t, roles, "2025-07-01T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "5", technologyAmount: "0" });
    expect((await progress()).reachedOn).toBe("2025-06-12");
    // Cancelling the first takes the total back under: no longer reached.
    await travel(t, roles, "2025-07-02T02:00:00.000Z");
    await t.call("POST", `/v1/contracts/${first.id}/cancellation`, {
      token: roles.operator.token,
      body: { reason: "Rescinded" },
    });
    expect(await progress()).toMatchObject({ cumulativeAmount: "2000005.01", reachedOn: null, contractCount: 3 });
    // A new registration crosses again: the new crossing counts.
    await travel(t, roles, "2025-07-03T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "999999.99", technologyAmount: "0" });
    expect(await progress()).toMatchObject({ cumulativeAmount: "3000005.00", reachedOn: "2025-07-03" });
  });

  it("projects nothing when the run rate would take more than a century", async () => {
    await travel(t, roles, "2024-07-01T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "12", technologyAmount: "0", signedOn: "2024-01-01" });
    await travel(t, roles, "2025-02-01T02:00:00.000Z");
    const p = (await t.call("GET", "/v1/statistics/progress")).json;
    expect(p).toMatchObject({ runRatePerMonth: "1.00", projectedReachOn: null, reachedOn: null });
  });

  it("computes each answer once per ledger head and day, and afresh after any write", async () => {
    let computed = 0;
    const store = t.deps.store;
    const volumeTotals = store.volumeTotals.bind(store);
    Object.assign(store, {
      volumeTotals: (from: string, to: string) => {
        computed++;
        return volumeTotals(from, to);
      },
    });
    const first = (await t.call("GET", "/v1/statistics/progress")).json;
    const calls = computed;
    expect((await t.call("GET", "/v1/statistics/progress")).json).toEqual(first);
    expect(computed).toBe(calls);
    await givenRegisteredContract(t, roles, { totalAmount: "10", technologyAmount: "0" });
    expect((await t.call("GET", "/v1/statistics/progress")).json.cumulativeAmount).toBe("10.00");
    expect(computed).toBeGreaterThan(calls);
    await travel(t, roles, "2025-06-03T02:00:00.000Z");
    const before = computed;
    await t.call("GET", "/v1/statistics/progress");
    expect(computed).toBeGreaterThan(before);
  });

  it("counts the technology amount for a goal that says so", async () => {
    const goalId = await createGoal(t, roles, "100", "technology");
    await givenRegisteredContract(t, roles, { totalAmount: "1000", technologyAmount: "25.50" });
    const p = (await t.call("GET", `/v1/statistics/progress?goalId=${goalId}`)).json;
    expect(p).toMatchObject({ cumulativeAmount: "25.50", percent: "25.50", remainingAmount: "74.50" });
  });

  it("projects the reach date from the last 12 complete months' run rate", async () => {
    const goalId = await createGoal(t, roles, "2400");
    // 1,200 yuan over the 12 complete months before July 2025: 100 yuan a month.
    await travel(t, roles, "2025-01-15T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "1200", technologyAmount: "0", signedOn: "2025-01-01" });
    // Registered in the current month: counts toward the goal, not the run rate.
    await travel(t, roles, "2025-07-01T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "600", technologyAmount: "0" });
    const p = (await t.call("GET", `/v1/statistics/progress?goalId=${goalId}`)).json;
    expect(p).toMatchObject({ cumulativeAmount: "1800.00", runRatePerMonth: "100.00", remainingAmount: "600.00" });
    // 6 months at 30.4375 days: 183 days after 2025-07-01.
    expect(p.projectedReachOn).toBe("2025-12-31");
  });
});

describe("breakdowns", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("groups by year and type; rows sum to the totals; reversals net out in their own period", async () => {
    await travel(t, roles, "2024-03-05T02:00:00.000Z");
    const a = await givenRegisteredContract(t, roles, {
      totalAmount: "100",
      technologyAmount: "60",
      signedOn: "2024-01-01",
    });
    await givenRegisteredContract(t, roles, {
      type: "service",
      subType: "training",
      totalAmount: "50.25",
      technologyAmount: "50",
      signedOn: "2024-01-01",
    });
    await travel(t, roles, "2025-02-01T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "300", technologyAmount: "200", signedOn: "2024-01-01" });
    await t.call("POST", `/v1/contracts/${a.id}/revocation`, { token: roles.operator.token, body: { reason: "Void" } });

    const response = await t.call("GET", "/v1/statistics/contracts?from=2024-01-01&to=2025-12-31&groupBy=year,type", {
      token: roles.operator.token,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.json.rows).toEqual([
      {
        year: "2024",
        type: "development",
        count: 1,
        totalAmount: "100.00",
        technologyAmount: "60.00",
        previousYear: { count: 0, totalAmount: "0.00", technologyAmount: "0.00" },
        changePercent: null,
      },
      expect.objectContaining({ year: "2024", type: "service", count: 1, totalAmount: "50.25" }),
      expect.objectContaining({
        year: "2025",
        type: "development",
        count: 0,
        totalAmount: "200.00",
        technologyAmount: "140.00",
        changePercent: "100.00",
      }),
    ]);
    expect(response.json.totals).toEqual({ count: 2, totalAmount: "350.25", technologyAmount: "250.00" });
    const progress = (await t.call("GET", "/v1/statistics/progress")).json;
    expect(progress.cumulativeAmount, JSON.stringify(progress)).toBe(response.json.totals.totalAmount);
  });

  it("puts 23:30 UTC on 31 December into January of the next year (China Standard Time)", async () => {
    await travel(t, roles, "2025-12-31T15:30:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "10", technologyAmount: "0" });
    await travel(t, roles, "2025-12-31T23:30:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "20", technologyAmount: "0" });
    const rows = (
      await t.call("GET", "/v1/statistics/contracts?from=2025-12-01&to=2026-01-31&groupBy=month", {
        token: roles.operator.token,
      })
    ).json.rows;
    expect(rows.map((r: any) => [r.month, r.totalAmount])).toEqual([
      ["2025-12", "10.00"],
      ["2026-01", "20.00"],
    ]);
    const days = (
      await t.call("GET", "/v1/statistics/contracts?from=2025-12-31&to=2025-12-31", { token: roles.operator.token })
    ).json;
    expect(days.totals.totalAmount).toBe("10.00");
    const quarters = (
      await t.call("GET", "/v1/statistics/contracts?from=2025-01-01&to=2026-12-31&groupBy=quarter", {
        token: roles.operator.token,
      })
    ).json;
    expect(quarters.rows.map((r: any) => r.quarter)).toEqual(["2025-Q4", "2026-Q1"]);
  });

  it("answers in CSV that Excel reads, parsing back to the same numbers", async () => {
    await givenRegisteredContract(t, roles, { totalAmount: "1234.5", technologyAmount: "1000" });
    await givenRegisteredContract(t, roles, {
      totalAmount: "10",
      technologyAmount: "1",
      seller: {
        name: '西藏高原生物科技, "有限"公司',
        creditCode: validCreditCode(55),
        kind: "enterprise",
        regionCode: "540124",
      },
      buyer: { organizationId: roles.member.organization.id },
    });
    const json = (
      await t.call("GET", "/v1/statistics/contracts?groupBy=sellerRegion,type", { token: roles.operator.token })
    ).json;
    const csv = await t.app.request("/v1/statistics/contracts?groupBy=sellerRegion,type", {
      headers: { accept: "text/csv", authorization: `Bearer ${roles.operator.token}` },
    });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder()
      .decode(bytes.slice(3))
      .trimEnd()
      .split("\r\n")
      .map((l) => l.split(","));
    expect(lines[0]).toEqual(["sellerRegion", "type", "count", "totalAmount", "technologyAmount", "suppressed"]);
    const body = lines.slice(1, -1);
    expect(body).toEqual(
      json.rows.map((r: any) => [r.sellerRegion, r.type, String(r.count), r.totalAmount, r.technologyAmount, ""]),
    );
    expect(lines.at(-1)).toEqual(["total", "", "2", "1244.50", "1001.00", ""]);
    const sum = body.reduce((s, l) => s + Math.round(Number(l[3]) * 100), 0);
    expect(sum).toBe(124_450);
  });

  it("names bad parameters", async () => {
    const cases: [string, string, RegExp][] = [
      ["groupBy=year,colour", "groupBy", /unknown dimension "colour"/],
      ["groupBy=year,year", "groupBy", /twice/],
      ["from=2025-07-01&to=2025-06-30", "from", /after to/],
      ["from=2025-02-30", "from", /calendar date/],
      ["to=20250101", "to", /YYYY-MM-DD/],
      ["amount=net", "amount", /total|technology/],
    ];
    for (const [query, pointer, detail] of cases) {
      const response = await t.call("GET", `/v1/statistics/contracts?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.json.errors[0].pointer, query).toBe(pointer);
      expect(response.json.errors[0].detail).toMatch(detail);
    }
  });

  it("is public, but an invalid token is still a 401", async () => {
    expect((await t.call("GET", "/v1/statistics/contracts")).status).toBe(200);
    expect((await t.call("GET", "/v1/statistics/contracts", { token: "a.b.c" })).status).toBe(401);
  });
});

describe("rollups equal a recomputation from the contracts (property)", () => {
  const day = fc
    .integer({ min: 0, max: 900 })
    .map((n) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000 + 15.5 * 3_600_000));
  const contract = fc.record({
    registeredAt: day,
    endedAfterDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
    revoke: fc.boolean(),
    totalFen: fc.integer({ min: 1, max: 2_000_000_000 }),
    techShare: fc.integer({ min: 0, max: 100 }),
    type: fc.constantFrom(
      ["development", "commissioned"],
      ["service", "training"],
      ["consulting", null],
      ["license", "patent_sole"],
    ),
    techField: fc.constantFrom(...TECH_FIELDS.slice(0, 4)),
    ipType: fc.constantFrom(...IP_TYPES.slice(0, 3)),
    sellerFirst: fc.boolean(),
  });
  const query = fc.record({
    from: day.map((d) => chinaDate(d)),
    span: fc.integer({ min: 0, max: 800 }),
    groupBy: fc.subarray([...DIMENSIONS], { maxLength: 4 }),
    amount: fc.constantFrom("total" as const, "technology" as const),
  });

  it("for random ledgers, groupings and ranges", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(contract, { minLength: 1, maxLength: 12 }),
        fc.array(query, { minLength: 1, maxLength: 6 }),
        async (contracts, queries) => {
          const t = await createTestApp();
          const roles = await givenRoles(t);
          const actor = (who: RoleTokens["member"]): Actor => ({
            role: "member",
            keyId: who.keyId,
            holder: "Registrar",
            organizationId: who.organization.id,
            organizationKind: who.organization.kind,
          });
          const operator: Actor = {
            role: "operator",
            keyId: roles.operator.keyId,
            holder: "Operator One",
            organizationId: roles.operator.organizationId,
            organizationKind: "other",
          };
          const final: TechContractRecord[] = [];
          // Registrations and reversals happen in time order, as they would.
          const steps = contracts
            .flatMap((c, i) => [
              { at: c.registeredAt, i, kind: "register" as const },
              ...(c.endedAfterDays === null
                ? []
                : [
                    {
                      at: new Date(c.registeredAt.getTime() + c.endedAfterDays * 86_400_000 + 1000),
                      i,
                      kind: "end" as const,
                    },
                  ]),
            ])
            .sort((a, b) => a.at.getTime() - b.at.getTime());
          const ids: string[] = [];
          for (const step of steps) {
            t.clock.set(step.at.toISOString());
            const c = contracts[step.i];
            if (!c) continue;
            if (step.kind === "register") {
              const [seller, buyer] = c.sellerFirst
                ? [roles.member, roles.otherMember]
                : [roles.otherMember, roles.member];
              const technology = Math.floor((c.totalFen * c.techShare) / 100);
              const recorded = await recordTechContract(t.deps, {
                caller: actor(seller),
                input: contractBody(seller.organization.id, buyer.organization.id, {
                  type: c.type[0],
                  subType: c.type[1],
                  signedOn: "2023-01-01",
                  totalAmount: `${Math.floor(c.totalFen / 100)}.${String(c.totalFen % 100).padStart(2, "0")}`,
                  technologyAmount: `${Math.floor(technology / 100)}.${String(technology % 100).padStart(2, "0")}`,
                  techField: c.techField,
                  ipType: c.ipType,
                }) as never,
              });
              if (recorded.kind !== "done") throw new Error("unexpected replay");
              ids[step.i] = recorded.result.id;
              const second = { ...operator, keyId: "key_second", holder: "Two" };
              await decideTechContract(t.deps, {
                caller: operator,
                contractId: recorded.result.id,
                decision: "register",
              });
              if (recorded.result.large) {
                await decideTechContract(t.deps, {
                  caller: second,
                  contractId: recorded.result.id,
                  decision: "register",
                });
              }
            } else {
              const end = c.revoke ? revokeTechContract : cancelTechContract;
              await end(t.deps, { caller: operator, contractId: ids[step.i] ?? "", reason: "test" });
            }
          }
          for (const id of ids) {
            const record = await t.deps.store.findTechContract(id);
            if (record) final.push(record);
          }

          for (const q of queries) {
            const to = chinaDate(new Date(Date.parse(`${q.from}T00:00:00Z`) + q.span * 86_400_000));
            const result = await contractBreakdown(t.deps, {
              from: q.from,
              to,
              groupBy: q.groupBy as Dimension[],
              amount: q.amount,
              audience: "operator",
            });
            const expected = recompute(final, q.from, to, q.groupBy as Dimension[]);
            const actual = new Map(
              result.rows
                .filter(() => q.groupBy.length > 0)
                .map((r) => [
                  q.groupBy.map((d) => r.keys[d as Dimension]).join("|"),
                  [r.count, r.totalFen, r.technologyFen],
                ]),
            );
            expect(actual).toEqual(expected.rows);
            expect(result.totals).toMatchObject(expected.totals);
            const sum = result.rows.reduce((s, r) => s + r.totalFen, 0);
            expect(sum).toBe(result.totals.totalFen);
            // Grouped by a period, each row carries the same period a year earlier.
            const periods = q.groupBy.filter((d) => (PERIOD_DIMENSIONS as readonly string[]).includes(d));
            if (periods.length > 0) {
              const before = recompute(final, yearEarlier(q.from), yearEarlier(to), q.groupBy as Dimension[]).rows;
              for (const row of result.rows) {
                const key = q.groupBy
                  .map((d) => {
                    const value = row.keys[d as Dimension] ?? "";
                    return periods.includes(d) ? `${Number(value.slice(0, 4)) - 1}${value.slice(4)}` : value;
                  })
                  .join("|");
                const [count = 0, totalFen = 0, technologyFen = 0] = before.get(key) ?? [];
                expect(row.previousYear, key).toEqual({ count, totalFen, technologyFen });
              }
            }
          }
          expect((await verifyLedger(t.deps)).ok).toBe(true);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 12) },
    );
  }, 120_000);
});

const LABEL = {
  month: (d: string) => d.slice(0, 7),
  quarter: (d: string) => `${d.slice(0, 4)}-Q${Math.ceil(Number(d.slice(5, 7)) / 3)}`,
  year: (d: string) => d.slice(0, 4),
};

/** The breakdown computed straight from contract records: registrations plus, minus reversals, by date. */
function recompute(contracts: TechContractRecord[], from: string, to: string, groupBy: Dimension[]) {
  const rows = new Map<string, number[]>();
  const totals = { count: 0, totalFen: 0, technologyFen: 0 };
  const add = (c: TechContractRecord, date: string | null, sign: number) => {
    if (!date || date < from || date > to) return;
    const value = (d: Dimension): string => {
      if ((PERIOD_DIMENSIONS as readonly string[]).includes(d)) return LABEL[d as keyof typeof LABEL](date);
      const byDimension: Record<(typeof CATEGORY_DIMENSIONS)[number], string> = {
        type: c.type,
        techField: c.techField,
        sellerKind: c.seller.kind,
        buyerKind: c.buyer.kind,
        ipType: c.ipType,
        sellerRegion: c.seller.regionCode,
        flow: c.flow,
      };
      return byDimension[d as (typeof CATEGORY_DIMENSIONS)[number]];
    };
    const key = groupBy.map(value).join("|");
    const row = rows.get(key) ?? [0, 0, 0];
    row[0] = (row[0] ?? 0) + sign;
    row[1] = (row[1] ?? 0) + sign * c.totalFen;
    row[2] = (row[2] ?? 0) + sign * c.technologyFen;
    rows.set(key, row);
    totals.count += sign;
    totals.totalFen += sign * c.totalFen;
    totals.technologyFen += sign * c.technologyFen;
  };
  for (const c of contracts) {
    add(c, c.registeredOn, 1);
    if (c.status === "cancelled" || c.status === "revoked") add(c, c.endedOn, -1);
  }
  if (groupBy.length === 0) rows.clear();
  for (const [key, row] of rows) if (row.every((v) => v === 0)) rows.delete(key);
  return { rows, totals };
}

describe("edge cases found in review", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  it("compares February with all of February a year earlier, the 29th included", async () => {
    await travel(t, roles, "2024-02-29T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "100", technologyAmount: "0", signedOn: "2024-01-01" });
    await travel(t, roles, "2025-02-10T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "150", technologyAmount: "0", signedOn: "2025-01-01" });
    const rows = (
      await t.call("GET", "/v1/statistics/contracts?from=2025-02-01&to=2025-02-28&groupBy=month", {
        token: roles.operator.token,
      })
    ).json.rows;
    expect(rows).toEqual([
      expect.objectContaining({
        month: "2025-02",
        totalAmount: "150.00",
        previousYear: { count: 1, totalAmount: "100.00", technologyAmount: "0.00" },
        changePercent: "50.00",
      }),
    ]);
  });

  it("gives no percentage against a period that was net negative", async () => {
    await travel(t, roles, "2023-12-20T02:00:00.000Z");
    const old = await givenRegisteredContract(t, roles, {
      totalAmount: "100",
      technologyAmount: "0",
      signedOn: "2023-01-01",
    });
    await travel(t, roles, "2024-03-05T02:00:00.000Z");
    await t.call("POST", `/v1/contracts/${old.id}/cancellation`, {
      token: roles.operator.token,
      body: { reason: "Rescinded" },
    });
    await travel(t, roles, "2025-03-05T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "100", technologyAmount: "0", signedOn: "2025-01-01" });
    const rows = (
      await t.call("GET", "/v1/statistics/contracts?from=2025-03-01&to=2025-03-31&groupBy=month", {
        token: roles.operator.token,
      })
    ).json.rows;
    expect(rows[0]).toMatchObject({ previousYear: { totalAmount: "-100.00" }, changePercent: null });
  });

  it("checks the range after defaults, and refuses amounts too large to sum exactly", async () => {
    const late = await t.call("GET", "/v1/statistics/contracts?from=2099-01-01");
    expect(late.status).toBe(400);
    expect(late.json.errors[0]).toMatchObject({ pointer: "from" });
    const early = await t.call("GET", "/v1/statistics/contracts?to=2020-01-01");
    expect(early.status).toBe(400);
    expect(early.json.errors[0]).toMatchObject({ pointer: "to" });
    const goal = await t.call("POST", "/v1/goals", {
      token: roles.operator.token,
      body: { name: "too big", targetAmount: "999999999999999", startsOn: "2025-01-01", endsOn: "2025-12-31" },
    });
    expect(goal.status).toBe(400);
    expect(goal.json.errors[0].pointer).toBe("/targetAmount");
  });

  it("projects nothing for a goal whose period is over", async () => {
    await travel(t, roles, "2025-03-05T02:00:00.000Z");
    await givenRegisteredContract(t, roles, { totalAmount: "100", technologyAmount: "0", signedOn: "2025-03-01" });
    await travel(t, roles, "2026-02-01T02:00:00.000Z");
    const p = (await t.call("GET", "/v1/statistics/progress")).json;
    expect(p).toMatchObject({ reachedOn: null, projectedReachOn: null, cumulativeAmount: "100.00" });
  });
});

describe("sums that stay exact", () => {
  it("refuses the registration that would take the ledger past 2^53 fen, and every statistic still answers", async () => {
    const t = await createTestApp();
    const roles = await givenRoles(t);
    // The case: 91 contracts of the largest amount (10^12 yuan) sum past 2^53 fen
    // (90,071,992,547,409.91 yuan); the 90th is the last that fits.
    const approveHuge = async () => {
      const recorded = await t.call("POST", "/v1/contracts", {
        token: roles.member.token,
        body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, {
          totalAmount: "1000000000000",
          technologyAmount: "1000000000000",
        }),
      });
      expect(recorded.status, recorded.text).toBe(201);
      const first = await decide(t, roles.operator.token, recorded.json.id, "register");
      expect(first.status, first.text).toBe(200);
      return recorded.json.id as string;
    };
    const register = (id: string) => decide(t, roles.registrar.token, id, "register");
    for (let i = 0; i < 90; i++) expect((await register(await approveHuge())).json.status).toBe("registered");
    const last = await approveHuge();
    const before = await countRows(t, "audit_events");
    const refused = await register(last);
    expect(refused.status, refused.text).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.json.detail).toMatch(/past 90071992547409\.91 yuan .*nothing was written/);
    expect(await countRows(t, "audit_events")).toBe(before);
    expect(await countRows(t, "volume_entries")).toBe(90);
    expect((await t.call("GET", `/v1/contracts/${last}`, { token: roles.operator.token })).json.status).toBe(
      "submitted",
    );

    for (const path of [
      "/v1/statistics/progress",
      "/v1/statistics/contracts?groupBy=type",
      "/v1/statistics/contracts?groupBy=month&from=2025-01-01&to=2025-12-31",
      "/v1/statistics/contracts?groupBy=techField&format=csv",
      "/v1/statistics/achievements",
    ]) {
      const response = await t.call("GET", path, { token: roles.operator.token });
      expect(response.status, `${path}: ${response.text}`).toBe(200);
    }
    const totals = (await t.call("GET", "/v1/statistics/contracts?groupBy=type", { token: roles.operator.token })).json;
    expect(JSON.stringify(totals)).toContain("90000000000000.00");
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });
});

describe("answers of bounded size", () => {
  /** Full-cuboid cells (every dimension kept) of regions first..last in March 2025, as that many distinct contracts would leave. */
  async function givenCells(t: TestApp, first: number, last: number) {
    await sql`WITH RECURSIVE n(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM n WHERE i < ${last})
      INSERT INTO volume_monthly (cuboid, month, type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow, count, total_fen, technology_fen)
      SELECT 127, '2025-03', 'development', 'electronic_information', 'enterprise', 'enterprise', 'none', printf('r%05d', i), 'local', 1, 100, 100 FROM n`.execute(
      t.database.db,
    );
  }
  const everything = `groupBy=month,${["type", "techField", "sellerKind", "buyerKind", "ipType", "sellerRegion", "flow"].join(",")}&from=2025-03-01&to=2025-03-31`;

  it("answers 10,000 groups, and refuses 10,001 with a 400 that names groupBy and how to narrow, in JSON and CSV", async () => {
    const t = await createTestApp();
    await givenCells(t, 1, MAX_ANSWER_GROUPS);
    const full = await t.call("GET", `/v1/statistics/contracts?${everything}`);
    expect(full.status, full.text.slice(0, 300)).toBe(200);
    expect(full.json.rows).toHaveLength(MAX_ANSWER_GROUPS);
    expect(full.json.totals.count).toBe(MAX_ANSWER_GROUPS);

    await givenCells(t, MAX_ANSWER_GROUPS + 1, MAX_ANSWER_GROUPS + 1);
    // (`amount` makes it another query than the one cached for this ledger head.)
    const refused = await t.call("GET", `/v1/statistics/contracts?${everything}&amount=technology`);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.json.errors).toEqual([
      {
        pointer: "groupBy",
        detail: expect.stringMatching(/more than 10000 rows; narrow from and to, .*coarser period/),
      },
    ]);
    const csv = await t.call("GET", `/v1/statistics/contracts?${everything}&amount=technology`, {
      headers: { accept: "text/csv" },
    });
    expect(csv.status).toBe(400);
    expect(csv.json.errors[0].pointer).toBe("groupBy");
    // Fewer dimensions over the same cells still answer (three are read from the same full cuboid).
    const fewer = await t.call(
      "GET",
      "/v1/statistics/contracts?groupBy=month,type,techField,flow&from=2025-03-01&to=2025-03-31",
    );
    expect(fewer.status).toBe(200);
    expect(fewer.json.rows).toEqual([
      expect.objectContaining({ month: "2025-03", type: "development", count: 10_001 }),
    ]);
  });
});

describe("the full cuboid read whole (D1) or a month and a day per statement (better-sqlite3)", () => {
  it("gives the same cells either way, over whole months and partial ones", async () => {
    const t = await createTestApp();
    const roles = await givenRoles(t);
    for (const [day, techField] of [
      ["2025-01-30", "electronic_information"],
      ["2025-02-03", "new_materials"],
      ["2025-03-15", "electronic_information"],
    ] as const) {
      await travel(t, roles, `${day}T04:00:00.000Z`);
      await givenRegisteredContract(t, roles, { techField, signedOn: "2024-12-01", validFrom: "2024-12-01" });
    }
    const query = {
      from: "2025-01-15",
      to: "2025-03-20",
      period: "month" as const,
      dimensions: ["type", "techField", "sellerKind", "buyerKind", "ipType", "sellerRegion", "flow"] as Dimension[],
    };
    const split = await rollupBreakdown(t.database.db, ROLLUP_FAMILIES.volume_entry, query, true);
    const whole = await rollupBreakdown(t.database.db, ROLLUP_FAMILIES.volume_entry, query, false);
    expect(split.map((cell) => cell.period)).toEqual(["2025-01", "2025-02", "2025-03"]);
    expect(whole).toEqual(split);
  });
});

describe("large reads queued one at a time", () => {
  it("refuses a heavy read with 503 and Retry-After when too many already wait, and answers again once they are done", async () => {
    // The service's gate, with no room to wait and each read held a while, so that three reads
    // asked at once surely meet: the first runs, the others are refused.
    const gate = createSerialGate(0);
    const t = await createTestApp({
      serialReads: (task) => gate(() => new Promise((resolve) => setTimeout(resolve, 50)).then(task)),
    });
    const answers = await Promise.all(
      ["year", "quarter", "month"].map((period) => t.call("GET", `/v1/statistics/contracts?groupBy=${period}`)),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 503, 503]);
    for (const refused of answers.filter((answer) => answer.status === 503)) {
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(refused.headers.get("retry-after")).toBe("2");
      expect(refused.json).toMatchObject({
        status: 503,
        detail: expect.stringMatching(/large reads are already waiting/),
      });
    }
    expect((await t.call("GET", "/v1/statistics/contracts?groupBy=month")).status).toBe(200);
  });
});
