import { describe, expect, it } from "vitest";
import { createTestApp, givenOperator } from "../support/app.ts";

describe("operations endpoints", () => {
  it("/healthz checks the database", async () => {
    const t = await createTestApp();
    const ok = await t.call("GET", "/healthz");
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ status: "ok", database: "ok" });
    await t.database.close();
    const down = await t.call("GET", "/healthz");
    expect(down.status).toBe(503);
    expect(down.json).toEqual({ status: "unavailable", database: "unavailable" });
  });

  it("/metrics counts requests by route pattern and status, with a latency histogram", async () => {
    const t = await createTestApp();
    await t.call("GET", "/healthz");
    await t.call("GET", "/v1/organizations/org_a");
    await t.call("GET", "/v1/organizations/org_b");
    const metrics = await t.call("GET", "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    expect(metrics.text).toContain('ledger_http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect(metrics.text).toContain(
      'ledger_http_requests_total{method="GET",route="/v1/organizations/:id",status="401"} 2',
    );
    expect(metrics.text).toMatch(/ledger_http_request_duration_seconds_count\{method="GET",route="\/healthz"\} 1/);
    expect(metrics.text).toMatch(
      /ledger_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="\+Inf"\} 1/,
    );
  });

  it("writes one structured log line per request", async () => {
    const lines: Record<string, unknown>[] = [];
    const t = await createTestApp({ log: (line) => lines.push(line) });
    const response = await t.call("GET", "/healthz");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      method: "GET",
      path: "/healthz",
      status: 200,
      requestId: response.headers.get("x-request-id"),
    });
  });

  it("keeps a key or token pasted into a URL path out of the log, and keeps ids", async () => {
    const lines: Record<string, unknown>[] = [];
    const t = await createTestApp({ log: (line) => lines.push(line) });
    const operator = await givenOperator(t);
    const secret = operator.apiKey.split(".")[2] as string;
    const pasted = [
      `/${operator.apiKey}`,
      `/v1/organizations/${encodeURIComponent(operator.apiKey)}`,
      `/v1/organizations/${secret}/api-keys`,
      `/v1/contracts/${operator.token}`,
      `/v1/auth/token/${secret.slice(0, 35)}?apiKey=${secret}`,
    ];
    for (const path of pasted) await t.call("GET", path);
    const logged = lines.slice(-pasted.length).map((line) => String(line.path));
    for (const path of logged) {
      expect(path).not.toContain(secret.slice(0, 20));
      expect(path).not.toContain(operator.token.slice(0, 20));
      expect(path).toContain("[redacted]");
    }
    expect(logged[2]).toBe("/v1/organizations/[redacted]/api-keys");
    await t.call("GET", `/v1/organizations/${operator.organizationId}`, { token: operator.token });
    expect(lines.at(-1)?.path).toBe(`/v1/organizations/${operator.organizationId}`);
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it("/openapi.json is OpenAPI 3.1 built from the contracts", async () => {
    const t = await createTestApp();
    const doc = (await t.call("GET", "/openapi.json")).json;
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/auth/token",
      "/v1/organizations",
      "/v1/organizations/{id}",
      "/v1/organizations/{id}/api-keys",
      "/v1/organizations/{id}/api-keys/{keyId}",
      "/.well-known/jwks.json",
      "/healthz",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths["/v1/organizations"].post.requestBody.content["application/json"]).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("/docs works offline: the page loads its script from this service", async () => {
    const t = await createTestApp({ docsScript: async () => "window.Scalar = {};" });
    const page = await t.call("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.text).toContain('src="/docs/scalar.js"');
    expect(page.text).not.toMatch(/https?:\/\//);
    const script = await t.call("GET", "/docs/scalar.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(script.text).toBe("window.Scalar = {};");
  });

  it("/ is the public dashboard, drawn from the public statistics API with no external assets", async () => {
    const t = await createTestApp();
    const page = await t.call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.text).toContain('fetch("/v1/statistics/progress")');
    expect(page.text).toContain("/v1/statistics/contracts?groupBy=year,type");
    expect(page.text).toContain("not proof of ownership");
    expect(page.text).not.toMatch(/(src|href)=["']https?:/);
  });
});
