import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, creditCode } from "./worker-http.ts";

/**
 * The README's Worker steps after `wrangler deploy` ("Cloudflare Workers + D1"), as written: the
 * first operator from the one-time LEDGER_BOOTSTRAP_SECRET, its token, a first write, and the
 * ledger verified over HTTP, in workerd on D1.
 */
describe("a deployed Worker, bootstrapped as the README says (workerd + D1)", () => {
  it("creates the first operators once with the bootstrap secret, then verifies the ledger over HTTP", async () => {
    const created = await call("POST", "/v1/bootstrap", {
      bootstrapSecret: env.LEDGER_BOOTSTRAP_SECRET,
      operators: ["Dawa Tsering", "Pema Lhamo"],
    });
    expect(created.status).toBe(201);
    expect(created.json.items).toHaveLength(2);
    const token = await call("POST", "/v1/auth/token", { apiKey: created.json.items[0].apiKey });
    expect(token.status).toBe(200);
    const organization = await call(
      "POST",
      "/v1/organizations",
      { name: "Tibet University", kind: "university", creditCode: creditCode(11), regionCode: "540102" },
      token.json.accessToken,
    );
    expect(organization.status).toBe(201);

    const again = await call("POST", "/v1/bootstrap", {
      bootstrapSecret: env.LEDGER_BOOTSTRAP_SECRET,
      operators: ["Second Try"],
    });
    expect(again.status).toBe(409);

    const verification = await call("GET", "/v1/audit/verification", undefined, token.json.accessToken);
    expect(verification.status).toBe(200);
    expect(verification.json).toMatchObject({ ok: true, head: { seq: 4 } });
    expect((await call("GET", "/metrics")).status).toBe(404);
  });
});
