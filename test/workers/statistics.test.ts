import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openD1 } from "../../db/dialects/d1.ts";
import { memoryVault } from "../../src/crypto/key-vault.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { createOrganization } from "../../src/domain/organizations/create-organization.ts";
import type { Actor, Clock } from "../../src/domain/ports.ts";
import { decideTechContract } from "../../src/domain/tech-contracts/decide-tech-contract.ts";
import { revokeTechContract } from "../../src/domain/tech-contracts/end-tech-contract.ts";
import { recordTechContract } from "../../src/domain/tech-contracts/record-tech-contract.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";

async function get(path: string, token?: string) {
  const response = await SELF.fetch(`https://ledger.test${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return (await response.json()) as any;
}

describe("statistics on D1 (workerd)", () => {
  it("keeps the rollups in the same batch as each registration and reversal, and reads them", async () => {
    expect((await SELF.fetch("https://ledger.test/healthz")).status).toBe(200);
    let now = new Date("2024-03-05T02:00:00Z");
    const clock: Clock = { now: () => now };
    const deps = await buildDeps(openD1(env.DB), parseConfig({}), { clock, vault: memoryVault() });
    const op = await createOperator(deps, "One");
    const operator: Actor = {
      role: "operator",
      keyId: op.keyId,
      holder: "One",
      organizationId: op.organizationId,
      organizationKind: "other",
    };
    const orgs: string[] = [];
    for (const [name, creditCode] of [
      ["Tibet University", "91350100M000100Y43"],
      ["Lhasa Plateau Tech", "91110000600037341L"],
    ] as const) {
      const org = await createOrganization(deps, {
        caller: operator,
        name,
        kind: "university",
        creditCode,
        regionCode: "540102",
      });
      if (org.kind === "done") orgs.push(org.result.id);
    }
    const seller: Actor = {
      role: "member",
      keyId: "key_w",
      holder: "w",
      organizationId: orgs[0] ?? "",
      organizationKind: "university",
    };
    const register = async (at: string, total: string, n: number) => {
      now = new Date(at);
      const recorded = await recordTechContract(deps, {
        caller: seller,
        input: {
          title: `Contract ${n}`,
          contractNumber: `D1-${n}`,
          type: "service",
          subType: "technical_service",
          seller: { organizationId: orgs[0] ?? "" },
          buyer: { organizationId: orgs[1] ?? "" },
          signedOn: "2024-01-02",
          validFrom: "2024-01-02",
          validTo: "2026-01-01",
          totalAmount: total,
          technologyAmount: "1",
          techField: "agriculture",
          ipType: "none",
        },
      });
      if (recorded.kind !== "done") throw new Error("replay");
      await decideTechContract(deps, { caller: operator, contractId: recorded.result.id, decision: "register" });
      return recorded.result.id;
    };
    const first = await register("2024-03-05T02:00:00Z", "100.10", 1);
    await register("2024-12-31T23:30:00Z", "200", 2); // 2025-01-01 in China Standard Time
    now = new Date("2025-02-01T02:00:00Z");
    await revokeTechContract(deps, { caller: operator, contractId: first, reason: "Void" });

    // Operators see every cell; the public, none of these few contracts' figures (disclosure control).
    const exchanged = await SELF.fetch("https://ledger.test/v1/auth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey: op.apiKey }),
    });
    const token = ((await exchanged.json()) as { accessToken: string }).accessToken;
    const hidden = await get("/v1/statistics/contracts?from=2024-01-01&to=2025-12-31&groupBy=year");
    expect(hidden.totals).toEqual({ suppressed: true });
    const byYear = await get("/v1/statistics/contracts?from=2024-01-01&to=2025-12-31&groupBy=year", token);
    expect(byYear.rows.map((r: any) => [r.year, r.count, r.totalAmount])).toEqual([
      ["2024", 1, "100.10"],
      ["2025", 0, "99.90"],
    ]);
    expect(byYear.totals).toMatchObject({ count: 1, totalAmount: "200.00" });
    const partial = await get("/v1/statistics/contracts?from=2024-03-05&to=2025-01-15&groupBy=month", token);
    expect(partial.totals.totalAmount).toBe("300.10");
    const progress = await get("/v1/statistics/progress");
    expect(progress).toMatchObject({ cumulativeAmount: "200.00", contractCount: 1, reachedOn: null });
    expect((await verifyLedger(deps)).ok).toBe(true);
  });
});
