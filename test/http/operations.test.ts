import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { createPromMetrics } from "../../src/runtime/prom-metrics.ts";
import { createTestApp, givenOperator } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles } from "../support/roles.ts";

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

  it("/metrics is Prometheus text a parser reads: requests, process and runtime, and the ledger's own", async () => {
    const metrics = createPromMetrics();
    // On a file, as npm start runs it: writes are committed in groups and the log synced.
    const t = await createTestApp({ metrics }, { file: true, sqlite: { observe: metrics.database } });
    metrics.track(t.deps.store);
    const roles = await givenRoles(t);
    const contract = await givenRegisteredContract(t, roles);
    await t.call("GET", "/healthz");
    await t.call("GET", "/v1/organizations/org_a");
    await t.call("GET", "/v1/organizations/org_b");
    expect((await t.call("GET", "/v1/audit/verification", { token: roles.operator.token })).json.ok).toBe(true);
    const response = await t.call("GET", "/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = new Map(parsePrometheusTextFormat(response.text).map((f) => [f.name, f]));
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

    expect(value("ledger_http_requests_total", { route: "/healthz", status: "200" })?.value).toBe("1");
    expect(value("ledger_http_requests_total", { route: "/v1/organizations/:id", status: "401" })?.value).toBe("2");
    // The parser folds a labelled histogram's series together, so its lines are read as text.
    expect(families.get("ledger_http_request_duration_seconds")?.type).toBe("HISTOGRAM");
    expect(response.text).toMatch(/ledger_http_request_duration_seconds_count\{method="GET",route="\/healthz"\} 1\n/);
    expect(response.text).toMatch(
      /ledger_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/healthz"\} 1\n/,
    );

    expect(Number(value("ledger_chain_head_seq")?.value)).toBe((await t.deps.store.auditHead()).seq);
    expect(value("ledger_registrations_total", { registry: "tech_contract", type: contract.type })?.value).toBe("1");
    expect(value("ledger_last_verification_ok")?.value).toBe("1");
    expect(Number(value("ledger_last_verification_timestamp_seconds")?.value)).toBe(t.clock.now().getTime() / 1000);
    // Every write above was one group commit of one attempt, each with its log sync.
    const groups = value("ledger_group_commit_size");
    expect(Number(groups?.count)).toBeGreaterThanOrEqual(5);
    expect(groups?.buckets?.["1"]).toBe(groups?.count);
    expect(Number(value("ledger_log_sync_seconds")?.count)).toBeGreaterThanOrEqual(5);
    // Node's process and runtime metrics.
    for (const name of [
      "process_cpu_user_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
    ])
      expect(families.has(name), name).toBe(true);
    await t.database.close();
  });

  it("/metrics where the runtime keeps none (a Worker) says so as a problem", async () => {
    const t = await createTestApp();
    const response = await t.call("GET", "/metrics");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.json.detail).toContain("Workers analytics");
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
