import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openD1 } from "../../db/dialects/d1.ts";
import { checkBulletin } from "../../src/bulletins/verify-bulletin.ts";
import { memoryVault } from "../../src/crypto/key-vault.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { createOrganization } from "../../src/domain/organizations/create-organization.ts";
import type { Actor, Clock } from "../../src/domain/ports.ts";
import { decideTechContract } from "../../src/domain/tech-contracts/decide-tech-contract.ts";
import { recordTechContract } from "../../src/domain/tech-contracts/record-tech-contract.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";
import { call } from "./worker-http.ts";

describe("statistics bulletins on D1 (workerd)", () => {
  it("publishes a bulletin of an ended month, signed with LEDGER_BULLETIN_KEY; its proof, entries and verification hold", async () => {
    expect((await call("GET", "/healthz")).status).toBe(200); // migrates the database
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
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const recorded = await recordTechContract(deps, {
        caller: seller,
        input: {
          title: `Contract ${n}`,
          contractNumber: `BUL-${n}`,
          type: "service",
          subType: "technical_service",
          seller: { organizationId: orgs[0] ?? "" },
          buyer: { organizationId: orgs[1] ?? "" },
          signedOn: "2024-01-02",
          validFrom: "2024-01-02",
          validTo: "2026-01-01",
          totalAmount: `${n}00000`,
          technologyAmount: "1",
          techField: "agriculture",
          ipType: "none",
        },
      });
      if (recorded.kind !== "done") throw new Error("replay");
      await decideTechContract(deps, { caller: operator, contractId: recorded.result.id, decision: "register" });
      ids.push(recorded.result.id);
    }
    now = new Date();
    const token = (await call("POST", "/v1/auth/token", { apiKey: op.apiKey })).json.accessToken as string;
    const published = await call("POST", "/v1/bulletins", { period: "2024-03" }, token);
    expect(published.status, JSON.stringify(published.json)).toBe(201);
    const bulletin = published.json;
    expect(bulletin.payload).toMatchObject({
      sequence: 1,
      figures: { count: 3, totalAmount: "600000.00" },
      merkle: { treeSize: 3 },
    });
    expect((await call("POST", "/v1/bulletins", { period: "2024-03" }, token)).status).toBe(409);

    const jwks = (await call("GET", "/.well-known/jwks.json")).json;
    const entries = await SELF.fetch(`https://ledger.test/v1/bulletins/${bulletin.id}/entries`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await entries.text();
    async function* lines() {
      for (const line of text.trim().split("\n")) yield line;
    }
    expect(await checkBulletin({ bulletin, jwks, entries: lines() })).toMatchObject({ ok: true });
    const proof = await call("GET", `/v1/bulletins/${bulletin.id}/proofs/${ids[1]}`, undefined, token);
    expect(proof.status).toBe(200);
    expect(proof.json.items).toHaveLength(1);
    expect((await verifyLedger(deps)).ok).toBe(true);
  });
});
