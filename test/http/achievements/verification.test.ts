import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { verifyLedger } from "../../../src/domain/verification/verify-ledger.ts";
import { createTestApp, type TestApp } from "../../support/app.ts";
import { contractBody, decide } from "../../support/contracts.ts";
import { exactVerification } from "../../support/exact-verification.ts";
import { givenRegisteredAchievement, givenSubmittedAchievement } from "../../support/given-achievement.ts";
import { givenRoles, type RoleTokens } from "../../support/roles.ts";

const exec = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

async function givenAchievements(options: { file?: boolean } = {}) {
  const t = await createTestApp({}, options);
  const roles = await givenRoles(t);
  const converted = await givenRegisteredAchievement(t, roles);
  const plain = await givenRegisteredAchievement(t, roles, {
    kind: "soft_science",
    title: "拉萨市科技成果转化政策研究",
  });
  await givenSubmittedAchievement(t, roles);
  const contract = await convert(t, roles, converted.id);
  return { t, roles, converted, plain, contract };
}

async function convert(t: TestApp, roles: RoleTokens, achievementId: string) {
  const recorded = await t.call("POST", "/v1/contracts", {
    token: roles.member.token,
    body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, {
      achievementIds: [achievementId],
    }),
  });
  expect(recorded.status, recorded.text).toBe(201);
  expect((await decide(t, roles.operator.token, recorded.json.id, "register")).status).toBe(200);
  return recorded.json;
}

const lastSeq = async (t: TestApp, id: string) =>
  Number(
    (await sql<{ s: number }>`SELECT max(seq) AS s FROM audit_events WHERE subject_id = ${id}`.execute(t.database.db))
      .rows[0]?.s,
  );

describe("verification covers achievements", () => {
  it("passes on an untouched ledger, on the bulk path and the exact one alike", async () => {
    const { t } = await givenAchievements();
    const report = await verifyLedger(t.deps);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect((await exactVerification(t.deps.store, t.database)).ok).toBe(true);
  });

  it("catches one changed byte of an achievement row at its last event", async () => {
    const { t, converted } = await givenAchievements();
    await sql`UPDATE achievements SET state = replace(state, '青稞', '青麦') WHERE id = ${converted.id}`.execute(
      t.database.db,
    );
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(report.firstInvalidSeq).toBe(await lastSeq(t, converted.id));
    expect(report.problems[0]?.subject).toBe(`achievement ${converted.id}`);
    expect(await exactVerification(t.deps.store, t.database)).toMatchObject({
      ok: false,
      firstInvalidSeq: report.firstInvalidSeq,
    });
  });

  it("catches a changed statistics entry and a changed rollup cell", async () => {
    const { t } = await givenAchievements();
    await sql`UPDATE achievement_monthly SET registered = registered + 1 WHERE cuboid = 1`.execute(t.database.db);
    const rollup = await verifyLedger(t.deps);
    expect(rollup.ok).toBe(false);
    expect(rollup.problems.some((p) => p.subject === "rollup" && p.detail.startsWith("achievement:"))).toBe(true);
    await sql`UPDATE achievement_monthly SET registered = registered - 1 WHERE cuboid = 1`.execute(t.database.db);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
    await sql`UPDATE achievement_entries SET state = json_set(state, '$.converted', 0) WHERE change = 'conversion'`.execute(
      t.database.db,
    );
    const entry = await verifyLedger(t.deps);
    expect(entry.ok).toBe(false);
    expect(entry.problems.map((p) => p.subject?.split(" ")[0])).toContain("achievement_entry");
  });

  it("npm run cli -- verify passes, then fails at the right event after a byte of an achievement row changes", async () => {
    const { t, plain } = await givenAchievements({ file: true });
    const [main] = (
      await sql<{ file: string }>`SELECT file FROM pragma_database_list WHERE name = 'main'`.execute(t.database.db)
    ).rows;
    const env = { ...process.env, LEDGER_DATABASE: main?.file ?? "", LEDGER_LOG: "off" };
    const ok = JSON.parse((await exec(TSX, ["src/runtime/cli.ts", "verify"], { env })).stdout);
    expect(ok.ok).toBe(true);
    await sql`UPDATE achievements SET state = replace(state, '拉萨市', '拉萨县') WHERE id = ${plain.id}`.execute(
      t.database.db,
    );
    const failed = await exec(TSX, ["src/runtime/cli.ts", "verify"], { env }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, firstInvalidSeq: await lastSeq(t, plain.id) });
  }, 30_000);
});

describe("achievement statistics", () => {
  it("equal a recomputation from the achievements themselves, for random registries (property)", async () => {
    const kinds = ["applied_technology", "basic_theory", "soft_science"] as const;
    const fields = ["agriculture", "biomedicine", "new_energy"] as const;
    const action = fc.record({
      kind: fc.constantFrom(...kinds),
      techField: fc.constantFrom(...fields),
      stage: fc.constantFrom("early", "middle", "mature"),
      register: fc.boolean(),
      convert: fc.boolean(),
      withdraw: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 6 }), async (actions) => {
        const t = await createTestApp();
        const roles = await givenRoles(t);
        for (const a of actions) {
          const submitted = await givenSubmittedAchievement(t, roles, {
            kind: a.kind,
            techField: a.techField,
            stage: a.stage,
          });
          if (!a.register) continue;
          await t.call("POST", `/v1/achievements/${submitted.id}/decisions`, {
            token: roles.operator.token,
            body: { decision: "register" },
          });
          if (a.convert) await convert(t, roles, submitted.id);
          if (a.withdraw) {
            await t.call("POST", `/v1/achievements/${submitted.id}/withdrawal`, {
              token: roles.member.token,
              body: { reason: "r" },
            });
          }
        }
        const { rows } = await sql<{ kind: string; tech_field: string; registered: number; converted: number }>`
          SELECT kind, tech_field, count(*) AS registered,
                 sum(json_array_length(state, '$.conversion.contractIds') > 0) AS converted
          FROM achievements WHERE status = 'registered' GROUP BY kind, tech_field ORDER BY kind, tech_field`.execute(
          t.database.db,
        );
        const api = await t.call("GET", "/v1/statistics/achievements?groupBy=kind,techField", {
          token: roles.operator.token,
        });
        expect(api.status).toBe(200);
        expect(
          api.json.rows.map((r: Record<string, unknown>) => [r.kind, r.techField, r.registered, r.converted]),
        ).toEqual(rows.map((r) => [r.kind, r.tech_field, Number(r.registered), Number(r.converted)]));
        const sum = rows.reduce((n, r) => n + Number(r.registered), 0);
        expect(api.json.totals.registered).toBe(sum);
        expect((await verifyLedger(t.deps)).ok).toBe(true);
      }),
      { numRuns: 12 },
    );
  }, 60_000);

  it("groups by registration year and answers CSV", async () => {
    const { t, roles } = await givenAchievements();
    const byYear = await t.call("GET", "/v1/statistics/achievements?groupBy=year,kind", {
      token: roles.operator.token,
    });
    expect(byYear.json.rows).toEqual([
      { year: "2025", kind: "applied_technology", registered: 1, converted: 1, conversionRate: "1.0000" },
      { year: "2025", kind: "soft_science", registered: 1, converted: 0, conversionRate: "0.0000" },
    ]);
    expect(byYear.json.totals).toEqual({ registered: 2, converted: 1, conversionRate: "0.5000" });
    const csv = await t.call("GET", "/v1/statistics/achievements?groupBy=kind", {
      headers: { accept: "text/csv" },
      token: roles.operator.token,
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.text).toContain("kind,registered,converted,conversionRate,suppressed");
    expect(csv.text).toContain("applied_technology,1,1,1.0000,\r\n");
    const outside = await t.call("GET", "/v1/statistics/achievements?from=2026-01-01&to=2026-12-31", {
      token: roles.operator.token,
    });
    expect(outside.json.totals).toEqual({ registered: 0, converted: 0, conversionRate: null });
  });
});
