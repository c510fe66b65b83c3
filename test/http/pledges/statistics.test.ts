import fc from "fast-check";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { verifyLedger } from "../../../src/domain/verification/verify-ledger.ts";
import { createTestApp } from "../../support/app.ts";
import { exactVerification } from "../../support/exact-verification.ts";
import {
  decidePledge,
  givenBank,
  givenRegisteredPledge,
  patentNumber,
  pledgeBody,
  submitPledge,
} from "../../support/given-pledge.ts";
import { givenRoles, travel } from "../../support/roles.ts";

/** Yuan as a string to fen, by integer arithmetic only. */
const fen = (yuan: string) => {
  const [whole = "0", part = ""] = yuan.replace("-", "").split(".");
  const value = Number(whole) * 100 + Number(part.padEnd(2, "0"));
  return yuan.startsWith("-") ? -value : value;
};

interface Step {
  day: number;
  amountFen: number;
  trademark: boolean;
  bank: number;
  pledgor: number;
  fate: "keep" | "release" | "change" | "reject";
  changedFen: number;
}

const step = fc.record({
  day: fc.integer({ min: 0, max: 400 }),
  amountFen: fc.integer({ min: 1, max: 3_000_000_000 }),
  trademark: fc.boolean(),
  bank: fc.integer({ min: 0, max: 1 }),
  pledgor: fc.integer({ min: 0, max: 1 }),
  fate: fc.constantFrom("keep", "release", "change", "reject"),
  changedFen: fc.integer({ min: 1, max: 3_000_000_000 }),
}) as fc.Arbitrary<Step>;

const OFF = { limit: 0, windowMs: 60_000 };
const yuanOf = (f: number) => `${Math.floor(f / 100)}.${String(f % 100).padStart(2, "0")}`;
const dayOf = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

describe("pledge statistics", () => {
  it("equal a recomputation from the pledges, by every grouping, net of changes and releases (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } });
        const roles = await givenRoles(t);
        const banks = [await givenBank(t, roles, "Bank A"), await givenBank(t, roles, "Bank B")];
        const pledgors = [roles.member, roles.otherMember];
        // Expected entries: [day, count, fen, rightType, pledgee, band, pledgor].
        const entries: [string, number, number, string, string, string, string][] = [];
        const band = (f: number) => (f < 1_000_000_000 ? "small" : "large");
        const ordered = [...steps].sort((a, b) => a.day - b.day);
        for (const s of ordered) {
          const day = dayOf(s.day);
          const at = `${day}T02:00:00.000Z`;
          const bank = banks[s.bank] as (typeof banks)[number];
          const pledgor = pledgors[s.pledgor] as (typeof pledgors)[number];
          await travel(t, roles, at, ...banks);
          const type = s.trademark ? "trademark" : "patent";
          const number = s.trademark ? String(Math.floor(Math.random() * 1e8)) : patentNumber();
          const submitted = await submitPledge(
            t,
            bank.token,
            pledgeBody(pledgor.organization.id, bank.organization.id, {
              rights: [{ type, number, title: "权利" }],
              securedAmount: yuanOf(s.amountFen),
            }),
          );
          if (submitted.status === 409) continue; // a random trademark number met an earlier one
          expect(submitted.status, submitted.text).toBe(201);
          const id = submitted.json.id;
          if (s.fate === "reject") {
            expect((await decidePledge(t, roles.operator.token, id, "reject", "No")).status).toBe(200);
            continue;
          }
          expect((await decidePledge(t, roles.operator.token, id, "register")).status).toBe(200);
          const code = pledgor.organization.creditCode;
          entries.push([day, 1, s.amountFen, type, bank.organization.id, band(s.amountFen), code]);
          if (s.fate === "keep") continue;
          if (s.fate === "release") {
            const released = await t.call("POST", `/v1/pledges/${id}/release`, {
              token: bank.token,
              body: { reason: "Repaid" },
            });
            expect(released.status, released.text).toBe(200);
            entries.push([day, -1, -s.amountFen, type, bank.organization.id, band(s.amountFen), code]);
            continue;
          }
          if (s.changedFen === s.amountFen) continue;
          const asked = await t.call("POST", `/v1/pledges/${id}/changes`, {
            token: bank.token,
            body: { securedAmount: yuanOf(s.changedFen), reason: "Line changed" },
          });
          expect(asked.status, asked.text).toBe(200);
          expect((await decidePledge(t, roles.operator.token, id, "register")).status).toBe(200);
          entries.push([day, -1, -s.amountFen, type, bank.organization.id, band(s.amountFen), code]);
          entries.push([day, 1, s.changedFen, type, bank.organization.id, band(s.changedFen), code]);
        }
        const groupings = [[], ["month"], ["quarter", "rightType"], ["year", "pledgee", "sizeBand"], ["sizeBand"]];
        for (const groupBy of groupings) {
          const from = "2025-01-01";
          const to = "2026-12-31";
          const response = await t.call(
            "GET",
            `/v1/statistics/pledges?from=${from}&to=${to}&groupBy=${groupBy.join(",")}`,
            { token: roles.operator.token },
          );
          expect(response.status, response.text).toBe(200);
          const keyOf = (e: (typeof entries)[number]) =>
            groupBy
              .map((d) =>
                d === "month"
                  ? e[0].slice(0, 7)
                  : d === "quarter"
                    ? `${e[0].slice(0, 4)}-Q${Math.floor((Number(e[0].slice(5, 7)) + 2) / 3)}`
                    : d === "year"
                      ? e[0].slice(0, 4)
                      : d === "rightType"
                        ? e[3]
                        : d === "pledgee"
                          ? e[4]
                          : e[5],
              )
              .join("|");
          const expected = new Map<string, { count: number; fen: number; pledgors: Map<string, number> }>();
          for (const e of entries) {
            const cell = expected.get(keyOf(e)) ?? { count: 0, fen: 0, pledgors: new Map() };
            cell.count += e[1];
            cell.fen += e[2];
            cell.pledgors.set(e[6], (cell.pledgors.get(e[6]) ?? 0) + e[1]);
            expected.set(keyOf(e), cell);
          }
          const distinct = (m: Map<string, number>) => [...m.values()].filter((n) => n > 0).length;
          const rows = response.json.rows as Record<string, any>[];
          const got = new Map(rows.map((r) => [groupBy.map((d) => r[d]).join("|"), r]));
          for (const [key, cell] of expected) {
            if (groupBy.length > 0 && cell.count === 0 && cell.fen === 0) {
              expect(got.has(key)).toBe(false);
              continue;
            }
            const row = got.get(key);
            expect(row, `${groupBy} ${key}`).toBeDefined();
            expect({ count: row?.count, fen: fen(row?.securedAmount), pledgors: row?.pledgorCount }).toEqual({
              count: cell.count,
              fen: cell.fen,
              pledgors: distinct(cell.pledgors),
            });
          }
          const totalPledgors = new Map<string, number>();
          for (const e of entries) totalPledgors.set(e[6], (totalPledgors.get(e[6]) ?? 0) + e[1]);
          const count = entries.reduce((a, e) => a + e[1], 0);
          const small = entries.filter((e) => e[5] === "small").reduce((a, e) => a + e[1], 0);
          expect(response.json.totals).toMatchObject({
            count,
            pledgorCount: distinct(totalPledgors),
            smallShare:
              count > 0
                ? `${Math.floor(small / count)}.${String(Math.floor(((small * 10_000) / count) % 10_000)).padStart(4, "0")}`
                : null,
          });
          expect(fen(response.json.totals.securedAmount)).toBe(entries.reduce((a, e) => a + e[2], 0));
          if (groupBy.length > 0)
            expect(rows.reduce((a, r) => a + fen(r.securedAmount), 0)).toBe(fen(response.json.totals.securedAmount));
        }
        expect((await verifyLedger(t.deps)).ok).toBe(true);
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it("CSV has the same rows, a total line, and the pledgee's name", async () => {
    const t = await createTestApp();
    const roles = await givenRoles(t);
    const bank = await givenBank(t, roles);
    await givenRegisteredPledge(t, roles, bank, { securedAmount: "2500000.25" });
    const csv = await t.call("GET", "/v1/statistics/pledges?groupBy=year,pledgee", {
      headers: { accept: "text/csv" },
      token: roles.operator.token,
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = csv.text
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    expect(lines).toEqual([
      "year,pledgee,pledgeeName,count,securedAmount,pledgorCount,suppressed",
      `2025,${bank.organization.id},${bank.organization.name},1,2500000.25,1,`,
      "total,,,1,2500000.25,1,",
    ]);
  });
});

describe("verification covers pledges", () => {
  async function givenPledges() {
    const t = await createTestApp();
    const roles = await givenRoles(t);
    const bank = await givenBank(t, roles);
    const registered = await givenRegisteredPledge(t, roles, bank);
    const released = await givenRegisteredPledge(t, roles, bank);
    await t.call("POST", `/v1/pledges/${released.id}/release`, { token: bank.token, body: { reason: "Repaid" } });
    return { t, registered, released };
  }

  it("passes on an untouched ledger, on the bulk path and the exact one", async () => {
    const { t } = await givenPledges();
    const report = await verifyLedger(t.deps);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect((await exactVerification(t.deps.store, t.database)).ok).toBe(true);
  });

  it("catches a changed pledge row (its amount lowered in the state)", async () => {
    const { t, registered } = await givenPledges();
    await sql`UPDATE pledges SET state = replace(state, '"securedFen":500000000', '"securedFen":50000000') WHERE id = ${registered.id}`.execute(
      t.database.db,
    );
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(JSON.stringify(report.problems)).toContain(registered.id);
  });

  it("catches a changed pledge rollup cell and a freed right removed from the index of held rights", async () => {
    const { t, registered } = await givenPledges();
    await sql`UPDATE pledge_daily SET secured_fen = secured_fen + 1`.execute(t.database.db);
    expect((await verifyLedger(t.deps)).ok).toBe(false);
    await sql`UPDATE pledge_daily SET secured_fen = secured_fen - 1`.execute(t.database.db);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
    await sql`DELETE FROM pledge_rights WHERE pledge_id = ${registered.id}`.execute(t.database.db);
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(JSON.stringify(report.problems)).toContain("pledge_rights");
  });
});
