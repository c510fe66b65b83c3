import { describe, expect, it } from "vitest";
import type { LedgerStore } from "../../src/domain/ports.ts";
import { MAX_BODY_BYTES } from "../../src/http/create-app.ts";
import { countRows, createTestApp, givenOperator } from "../support/app.ts";

function expectProblem(
  response: { status: number; headers: Headers; json: any; text: string },
  status: number,
  slug: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.json).toMatchObject({ type: `urn:tech-market-ledger:problem:${slug}`, status });
  expect(typeof response.json.title).toBe("string");
  expect(typeof response.json.detail).toBe("string");
  expect(response.json.requestId).toBe(response.headers.get("x-request-id"));
  expect(response.text).not.toMatch(/at .*\.ts:\d+|SELECT|INSERT|SqliteError/);
}

describe("problem+json for every failure", () => {
  it("malformed JSON is a 400 and writes nothing", async () => {
    const t = await createTestApp();
    const operator = await givenOperator(t);
    const before = await countRows(t, "organizations");
    const response = await t.call("POST", "/v1/organizations", { token: operator.token, body: '{"name": "x",' });
    expectProblem(response, 400, "malformed-json");
    expect(await countRows(t, "organizations")).toBe(before);
  });

  it("a body that is not JSON is a 415", async () => {
    const t = await createTestApp();
    const operator = await givenOperator(t);
    const response = await t.call("POST", "/v1/organizations", {
      token: operator.token,
      body: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectProblem(response, 415, "unsupported-media-type");
  });

  it("a JSON body that is not an object names the body", async () => {
    const t = await createTestApp();
    const response = await t.call("POST", "/v1/auth/token", { body: "[1,2]" });
    expectProblem(response, 400, "validation");
    expect(response.json.errors).toHaveLength(1);
    expect(response.json.errors[0].pointer).toBe("");
  });

  it("a body over 1 MiB is a 413 and writes nothing", async () => {
    const t = await createTestApp();
    const operator = await givenOperator(t);
    const before = await countRows(t, "organizations");
    const response = await t.call("POST", "/v1/organizations", {
      token: operator.token,
      body: { name: "x".repeat(MAX_BODY_BYTES + 1), kind: "university", creditCode: "x", regionCode: "540102" },
    });
    expectProblem(response, 413, "payload-too-large");
    expect(await countRows(t, "organizations")).toBe(before);
  });

  it("an unknown route is a 404", async () => {
    const t = await createTestApp();
    expectProblem(await t.call("GET", "/v1/nothing-here"), 404, "not-found");
    expectProblem(await t.call("GET", "/v2/organizations"), 404, "not-found");
  });

  it("a known path with the wrong method is a 405 with Allow", async () => {
    const t = await createTestApp();
    const response = await t.call("PUT", "/v1/organizations/org_1");
    expectProblem(response, 405, "method-not-allowed");
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    const del = await t.call("DELETE", "/v1/auth/token");
    expectProblem(del, 405, "method-not-allowed");
    expect(del.headers.get("allow")).toBe("POST");
  });

  it("an unexpected error is a 500 naming only the request id", async () => {
    const logged: Record<string, unknown>[] = [];
    const t = await createTestApp({ log: (line) => logged.push(line) });
    const operator = await givenOperator(t);
    const broken: LedgerStore = {
      ...t.deps.store,
      attempt: (run) => run(broken),
      findOrganizationByCreditCode: async () => {
        throw new Error("SQLITE_CORRUPT: SELECT * FROM organizations failed at /src/secret.ts:1");
      },
    };
    Object.assign(t.deps, { store: broken });
    const response = await t.call("POST", "/v1/organizations", {
      token: operator.token,
      body: { name: "x", kind: "university", creditCode: "91350100M000100Y43", regionCode: "540102" },
      headers: { "x-request-id": "req-123" },
    });
    expectProblem(response, 500, "internal");
    expect(response.json.detail).toContain("req-123");
    expect(response.text).not.toContain("SQLITE_CORRUPT");
    const errorLine = logged.find((l) => l.message === "unexpected error");
    expect(JSON.stringify(errorLine)).toContain("SQLITE_CORRUPT");
  });

  it("every response carries X-Request-Id, echoing a safe incoming one", async () => {
    const t = await createTestApp();
    const own = await t.call("GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(own.headers.get("x-request-id")).toBe("abc-123");
    const unsafe = await t.call("GET", "/healthz", { headers: { "x-request-id": "bad id\u0001<script>" } });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await t.call("GET", "/missing");
    expect(notFound.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // Thrown (401), refused by validation (400), 405, and a pre-encoded CSV body: the header is
    // set before the handler runs, so every way a response is built must still carry it.
    const cases = [
      await t.call("GET", "/v1/organizations", { headers: { authorization: "Bearer not.a.token" } }),
      await t.call("GET", "/v1/statistics/contracts?groupBy=nonsense"),
      await t.call("DELETE", "/healthz"),
      await t.call("GET", "/v1/statistics/contracts?groupBy=year", { headers: { accept: "text/csv" } }),
    ];
    expect(cases.map((r) => r.status)).toEqual([401, 400, 405, 200]);
    for (const r of cases) expect(r.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("names at most 20 field errors, with their count: a body of 20,000 unknown keys gets a short answer", async () => {
    const t = await createTestApp();
    const operator = await givenOperator(t);
    const body = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 1]));
    const response = await t.call("POST", "/v1/organizations", { token: operator.token, body });
    expectProblem(response, 400, "validation");
    expect(response.json.errors).toHaveLength(20);
    expect(response.json.errorCount).toBeGreaterThan(20_000);
    expect(response.json.detail).toMatch(/; and \d+ more$/);
    expect(response.text.length).toBeLessThan(4_000);
  });
});
