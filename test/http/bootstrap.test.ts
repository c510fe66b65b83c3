import { describe, expect, it } from "vitest";
import { hashSecret } from "../../src/domain/organizations/api-keys.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { createTestApp, testConfig, validCreditCode } from "../support/app.ts";

const SECRET = "b7f0c1e2d3a4958677a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b";

/** An app whose market has LEDGER_BOOTSTRAP_SECRET set, as a Worker's would. */
async function appWithSecret(lines?: Record<string, unknown>[]) {
  const market = { ...(await createTestApp()).deps.market, bootstrapSecretHash: hashSecret(SECRET) };
  return createTestApp({ market, ...(lines ? { log: (line) => lines.push(line) } : {}) });
}

describe("POST /v1/bootstrap: the first operators where there is no command line (a Worker)", () => {
  it("creates the first operators once, in one write, whose keys work; then refuses every caller", async () => {
    const lines: Record<string, unknown>[] = [];
    const t = await appWithSecret(lines);
    const created = await t.call("POST", "/v1/bootstrap", {
      body: { bootstrapSecret: SECRET, operators: ["Dawa Tsering", "Pema Lhamo"] },
    });
    expect(created.status, created.text).toBe(201);
    const [dawa, pema] = created.json.items;
    expect(dawa).toMatchObject({ holder: "Dawa Tsering", apiKey: expect.any(String) });
    expect(pema).toMatchObject({ holder: "Pema Lhamo", organizationId: dawa.organizationId });
    expect(created.headers.get("location")).toBe(`/v1/organizations/${dawa.organizationId}`);
    expect(created.headers.get("cache-control")).toBe("no-store");

    const token = await t.call("POST", "/v1/auth/token", { body: { apiKey: dawa.apiKey } });
    expect(token.status).toBe(200);
    const second = await t.call("POST", "/v1/auth/token", { body: { apiKey: pema.apiKey } });
    expect(second.status).toBe(200);
    const member = await t.call("POST", "/v1/organizations", {
      token: token.json.accessToken,
      body: { name: "Tibet University", kind: "university", creditCode: validCreditCode(7), regionCode: "540102" },
    });
    expect(member.status, member.text).toBe(201);

    // Accepted once: the same secret, or any caller with any token, is refused from now on.
    const head = await t.deps.store.auditHead();
    for (const tokenOf of [undefined, token.json.accessToken]) {
      const again = await t.call("POST", "/v1/bootstrap", {
        ...(tokenOf ? { token: tokenOf } : {}),
        body: { bootstrapSecret: SECRET, operators: ["Someone Else"] },
      });
      expect(again.status).toBe(409);
      expect(again.json.detail).toContain("accepted once");
    }
    expect(await t.deps.store.auditHead()).toEqual(head);
    // The audit chain names the way in, never the secret; nor does any log line.
    const events = await t.deps.store.listAuditEvents(0, 10);
    expect(events[0]?.actorHolder).toBe("bootstrap secret");
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it("of racing bootstraps, exactly one wins", async () => {
    const t = await appWithSecret();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.call("POST", "/v1/bootstrap", { body: { bootstrapSecret: SECRET, operators: [`Operator ${i}`] } }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it("refuses a wrong secret (401), bad fields (400, named), and is off without the setting (403); none writes", async () => {
    const t = await appWithSecret();
    const cases: [unknown, number, string | null][] = [
      [{ bootstrapSecret: `${SECRET.slice(0, -1)}0`, operators: ["X"] }, 401, null],
      [{ operators: ["X"] }, 400, "/bootstrapSecret"],
      [{ bootstrapSecret: SECRET, operators: ["X", "  "] }, 400, "/operators/1"],
      [{ bootstrapSecret: SECRET, operators: [] }, 400, "/operators"],
      [{ bootstrapSecret: SECRET, operators: Array.from({ length: 11 }, (_, i) => `O${i}`) }, 400, "/operators"],
      [{ bootstrapSecret: SECRET, operators: ["X"], role: "operator" }, 400, "/role"],
      [{ bootstrapSecret: 42, operators: ["X"] }, 400, "/bootstrapSecret"],
    ];
    for (const [body, status, pointer] of cases) {
      const refused = await t.call("POST", "/v1/bootstrap", { body });
      expect(refused.status, JSON.stringify(body)).toBe(status);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      if (pointer !== null) expect(refused.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect((await t.deps.store.auditHead()).seq).toBe(0);

    const off = await createTestApp();
    const refused = await off.call("POST", "/v1/bootstrap", { body: { bootstrapSecret: SECRET, operators: ["X"] } });
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toContain("LEDGER_BOOTSTRAP_SECRET");
    expect((await off.deps.store.auditHead()).seq).toBe(0);
  });

  it("takes the secret from LEDGER_BOOTSTRAP_SECRET, at least 32 characters", () => {
    expect(() => parseConfig({ LEDGER_BOOTSTRAP_SECRET: "short" })).toThrow(/LEDGER_BOOTSTRAP_SECRET.*32/);
    expect(parseConfig({ LEDGER_BOOTSTRAP_SECRET: SECRET }).LEDGER_BOOTSTRAP_SECRET).toBe(SECRET);
    expect(testConfig.LEDGER_BOOTSTRAP_SECRET).toBeUndefined();
  });
});
