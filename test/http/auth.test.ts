import { importJWK, SignJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { createTestApp, givenMember, givenOperator, type TestApp, testConfig } from "../support/app.ts";

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("POST /v1/auth/token", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });

  it("exchanges an API key for a short-lived bearer token that works", async () => {
    const operator = await givenOperator(t);
    const response = await t.call("POST", "/v1/auth/token", { body: { apiKey: operator.apiKey } });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ tokenType: "Bearer", expiresIn: testConfig.LEDGER_TOKEN_TTL_SECONDS });
    expect(response.headers.get("cache-control")).toBe("no-store");
    const org = await t.call("GET", `/v1/organizations/${operator.organizationId}`, {
      token: response.json.accessToken,
    });
    expect(org.status).toBe(200);
    expect(org.json.role).toBe("operator");
  });

  it("refuses unknown, malformed and revoked keys alike", async () => {
    const operator = await givenOperator(t);
    const member = await givenMember(t, operator.token);
    const [, keyId] = member.apiKey.split(".");
    const wrongSecret = `tml.${keyId}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    await t.call("DELETE", `/v1/organizations/${member.organization.id}/api-keys/${member.keyId}`, {
      token: operator.token,
    });
    for (const apiKey of ["nonsense", "tml.key_x.y", wrongSecret, member.apiKey]) {
      const response = await t.call("POST", "/v1/auth/token", { body: { apiKey } });
      expect(response.status, apiKey).toBe(401);
      expect(response.json.detail).toBe("the API key is not valid");
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("names the missing field", async () => {
    const response = await t.call("POST", "/v1/auth/token", { body: {} });
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([{ pointer: "/apiKey", detail: "is required" }]);
  });
});

describe("bearer token verification", () => {
  let t: TestApp;
  let operator: Awaited<ReturnType<typeof givenOperator>>;
  let path: string;

  beforeEach(async () => {
    t = await createTestApp();
    operator = await givenOperator(t);
    path = `/v1/organizations/${operator.organizationId}`;
  });

  async function signWithServiceKey(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
    const [stored] = await t.vault.read("token");
    const key = await importJWK({ ...stored?.jwk }, "EdDSA");
    const now = Math.floor(t.clock.now().getTime() / 1000);
    return new SignJWT({ org: operator.organizationId, ...claims })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: stored?.jwk.kid, ...header })
      .setSubject(operator.keyId)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .setIssuer((claims.iss as string) ?? testConfig.LEDGER_TOKEN_ISSUER)
      .setAudience((claims.aud as string) ?? testConfig.LEDGER_TOKEN_AUDIENCE)
      .sign(key);
  }

  async function expect401(token: string | undefined, detail: RegExp, headers: Record<string, string> = {}) {
    const response = await t.call("GET", path, { ...(token ? { token } : {}), headers });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(response.json.detail).toMatch(detail);
  }

  it("accepts a well-formed token signed by the service (control case)", async () => {
    const response = await t.call("GET", path, { token: await signWithServiceKey({}) });
    expect(response.status).toBe(200);
  });

  it("rejects a request without a token", async () => {
    await expect401(undefined, /needs a bearer token/);
  });

  it("rejects malformed bearer Authorization headers", async () => {
    await expect401(undefined, /Bearer <token>/, { authorization: "Bearer" });
    await expect401(undefined, /Bearer <token>/, { authorization: "bearer  " });
    await expect401("not-a-jwt", /Bearer <token>/);
    await expect401("a.b.c", /malformed/);
  });

  it("rejects an expired token", async () => {
    t.clock.advance((testConfig.LEDGER_TOKEN_TTL_SECONDS + 1) * 1000);
    await expect401(operator.token, /expired/);
  });

  it("rejects a token that is not yet valid", async () => {
    const now = Math.floor(t.clock.now().getTime() / 1000);
    await expect401(await signWithServiceKey({ nbf: now + 3600 }), /nbf/);
  });

  it("rejects a token signed by the service that is not an access token (typ)", async () => {
    await expect401(await signWithServiceKey({}, { typ: "JWT" }), /typ/);
  });

  it("rejects a wrong issuer and a wrong audience", async () => {
    await expect401(await signWithServiceKey({ iss: "https://evil.example" }), /iss/);
    await expect401(await signWithServiceKey({ aud: "another-api" }), /aud/);
  });

  it("rejects a tampered payload and a tampered signature", async () => {
    const [header, payload, signature] = operator.token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forgedPayload = b64url({ ...claims, org: "org_someone_else" });
    await expect401(`${header}.${forgedPayload}.${signature}`, /signature/);
    const flipped = (signature.startsWith("A") ? "B" : "A") + signature.slice(1);
    await expect401(`${header}.${payload}.${flipped}`, /signature/);
  });

  it('rejects alg "none"', async () => {
    const claims = JSON.parse(Buffer.from(operator.token.split(".")[1] ?? "", "base64url").toString());
    await expect401(`${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`, /algorithm/);
  });

  it("rejects an HS256 token whose secret is the service's public key", async () => {
    const { keys } = await t.deps.signer.jwks();
    const publicJwk = keys[0] as { x: string };
    const claims = JSON.parse(Buffer.from(operator.token.split(".")[1] ?? "", "base64url").toString());
    for (const secret of [JSON.stringify(publicJwk), publicJwk.x, Buffer.from(publicJwk.x, "base64url")]) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .sign(typeof secret === "string" ? new TextEncoder().encode(secret) : new Uint8Array(secret));
      await expect401(forged, /algorithm/);
    }
  });

  it("rejects a token of a revoked key at once, before it expires", async () => {
    const member = await givenMember(t, operator.token);
    const own = `/v1/organizations/${member.organization.id}`;
    expect((await t.call("GET", own, { token: member.token })).status).toBe(200);
    await t.call("DELETE", `${own}/api-keys/${member.keyId}`, { token: operator.token });
    const response = await t.call("GET", own, { token: member.token });
    expect(response.status).toBe(401);
    expect(response.json.detail).toMatch(/revoked/);
  });

  it("takes another Authorization scheme (Basic from a proxy) as no token: public routes answer, guarded ones ask for a bearer token", async () => {
    for (const authorization of ["Basic dXNlcjpwYXNz", 'Digest username="x"', "Negotiate YII="]) {
      const headers = { authorization };
      expect((await t.call("GET", "/healthz", { headers })).status, authorization).toBe(200);
      expect((await t.call("GET", "/v1/statistics/progress", { headers })).status, authorization).toBe(200);
      await expect401(undefined, /needs a bearer token/, headers);
    }
  });

  it("rejects an invalid token even on public routes", async () => {
    const response = await t.call("GET", "/healthz", { token: "a.b.c" });
    expect(response.status).toBe(401);
    expect((await t.call("GET", "/healthz")).status).toBe(200);
  });

  it("publishes the verification keys (the token key, then the bulletin key), without their private parts", async () => {
    const response = await t.call("GET", "/.well-known/jwks.json");
    expect(response.status).toBe(200);
    expect(response.json.keys).toHaveLength(2);
    for (const key of response.json.keys) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
      expect(key.d).toBeUndefined();
    }
    // Two keys, not one used twice: the bulletin key is not the token key.
    expect(response.json.keys[0].x).not.toBe(response.json.keys[1].x);
  });
});

describe("routes that need a bearer token", () => {
  it("refuse a request without one before validating its input: 401, never 400", async () => {
    const t = await createTestApp();
    const doc = (await t.call("GET", "/openapi.json")).json as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const guarded = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => (operation.security ?? []).length > 0)
        .map(([method]) => ({ method: method.toUpperCase(), path: path.replaceAll(/\{[^}]+\}/g, "not an id!") })),
    );
    expect(guarded.length).toBeGreaterThanOrEqual(14);
    for (const { method, path } of guarded) {
      // Every part of the input is wrong: the path's id, the query, and the body.
      const response = await t.call(method, `${path}?limit=-1&from=yesterday`, {
        ...(method === "GET" ? {} : { body: { bogus: true, title: 7 } }),
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.json.type, `${method} ${path}`).toBe("urn:tech-market-ledger:problem:unauthenticated");
    }
  });

  it("leave public routes validating as before: a bad input there is still a 400", async () => {
    const t = await createTestApp();
    expect((await t.call("POST", "/v1/auth/token", { body: { apiKey: 5 } })).status).toBe(400);
    expect((await t.call("GET", "/v1/statistics/contracts?groupBy=colour")).status).toBe(400);
  });
});
