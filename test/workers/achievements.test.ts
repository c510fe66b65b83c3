import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openD1 } from "../../db/dialects/d1.ts";
import { memoryVault } from "../../src/crypto/key-vault.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";
import { call, creditCode } from "./worker-http.ts";

describe("achievements on D1 (workerd)", () => {
  it("submits, registers, finds by a two-character query from the index, converts, and verifies", async () => {
    expect((await call("GET", "/healthz")).status).toBe(200);
    const deps = await buildDeps(openD1(env.DB), parseConfig({}), { vault: memoryVault() });
    const operator = await createOperator(deps, "Achievements Operator");
    const token = async (apiKey: string) =>
      (await call("POST", "/v1/auth/token", { apiKey })).json.accessToken as string;
    const op = await token(operator.apiKey);
    // `op` issues the members' keys, so another operator registers their contract.
    const reviewer = await token((await createOperator(deps, "Contracts Reviewer")).apiKey);
    const member = async (name: string, kind: string, n: number) => {
      const org = await call(
        "POST",
        "/v1/organizations",
        { name, kind, creditCode: creditCode(n), regionCode: "540102" },
        op,
      );
      expect(org.status).toBe(201);
      const key = await call("POST", `/v1/organizations/${org.json.id}/api-keys`, { holder: "Office" }, op);
      return { id: org.json.id as string, token: await token(key.json.apiKey) };
    };
    const university = await member("西藏大学", "university", 901);
    const firm = await member("拉萨高原农业公司", "enterprise", 902);

    const submitted = await call(
      "POST",
      "/v1/achievements",
      {
        title: "青稞β-葡聚糖高效提取技术",
        kind: "applied_technology",
        completingOrganizations: [{ organizationId: university.id }],
        completers: [{ name: "扎西", organizationIndex: 0 }],
        researchStartedIn: "2021-03",
        researchEndedIn: "2024-06",
        techField: "agriculture",
        stage: "mature",
        evaluation: "domestic_leading",
        keywords: ["青稞", "葡聚糖"],
        abstract: "以西藏高原青稞为原料，建立提取工艺。Yak and barley.",
        ipRights: [{ type: "patent", number: "ZL202110123456.7" }],
        transferModes: ["license"],
      },
      university.token,
    );
    expect(submitted.status).toBe(201);
    const registered = await call(
      "POST",
      `/v1/achievements/${submitted.json.id}/decisions`,
      { decision: "register" },
      op,
    );
    expect(registered.status).toBe(200);
    expect(registered.json.registrationNumber).toMatch(/^LSA\d{4}Y0001$/);

    for (const q of ["青稞", "葡聚糖", "高原青稞", "barley"]) {
      const found = await call("GET", `/v1/achievements?q=${encodeURIComponent(q)}`);
      expect(found.status, q).toBe(200);
      expect(
        found.json.items.map((a: { id: string }) => a.id),
        q,
      ).toEqual([submitted.json.id]);
    }
    expect((await call("GET", `/v1/achievements?q=${encodeURIComponent('"*()')}`)).status).toBe(400);
    const plan = await env.DB.prepare(
      `EXPLAIN QUERY PLAN SELECT rowid FROM achievement_catalogue
       WHERE achievement_catalogue MATCH '"青稞"' ORDER BY rank LIMIT 20`,
    ).all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toMatch(/VIRTUAL TABLE INDEX/);

    const contract = await call(
      "POST",
      "/v1/contracts",
      {
        title: "青稞葡聚糖技术许可",
        contractNumber: "ACH-W-1",
        type: "license",
        subType: "patent_ordinary",
        seller: { organizationId: university.id },
        buyer: { organizationId: firm.id },
        signedOn: "2025-01-10",
        validFrom: "2025-01-10",
        validTo: "2026-01-09",
        totalAmount: "500000",
        technologyAmount: "500000",
        techField: "agriculture",
        ipType: "patent",
        achievementIds: [submitted.json.id],
      },
      university.token,
    );
    expect(contract.status).toBe(201);
    expect(
      (await call("POST", `/v1/contracts/${contract.json.id}/decisions`, { decision: "register" }, reviewer)).status,
    ).toBe(200);
    expect((await call("GET", `/v1/achievements/${submitted.json.id}`)).json.conversion).toEqual({ contractCount: 1 });
    const stats = await call("GET", "/v1/statistics/achievements?groupBy=kind", undefined, op);
    expect(stats.json.rows).toEqual([
      { kind: "applied_technology", registered: 1, converted: 1, conversionRate: "1.0000" },
    ]);

    const withdrawn = await call(
      "POST",
      `/v1/achievements/${submitted.json.id}/withdrawal`,
      { reason: "test" },
      university.token,
    );
    expect(withdrawn.json.status).toBe("withdrawn");
    expect((await call("GET", `/v1/achievements?q=${encodeURIComponent("青稞")}`)).json.items).toEqual([]);
    const report = await verifyLedger({ store: deps.store });
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });
});
