import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { clientKey, type RateLimitSettings } from "../../src/http/middleware/rate-limit.ts";
import { nodeClientAddress } from "../../src/runtime/serve.ts";
import { countRows, createTestApp, givenOperator, type TestApp } from "../support/app.ts";

const OFF = { limit: 0, windowMs: 60_000 };
/** The client's address, as the runtime would give it, taken from a test header. */
const fromHeader = (c: Context) => c.req.header("x-test-client");

async function limitedApp(limits: Partial<RateLimitSettings>) {
  return createTestApp({
    rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF, ...limits },
    clientAddress: fromHeader,
  });
}

const as = (client: string, token?: string) => ({
  headers: { "x-test-client": client },
  ...(token ? { token } : {}),
});

function expectTooMany(response: Awaited<ReturnType<TestApp["call"]>>, detail: RegExp, windowSeconds = 60) {
  expect(response.status, response.text).toBe(429);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.json).toMatchObject({ type: "urn:tech-market-ledger:problem:too-many-requests", status: 429 });
  expect(response.json.detail).toMatch(detail);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(
    Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds,
    `Retry-After ${retryAfter}`,
  ).toBe(true);
}

describe("rate limits on public statistics", () => {
  it("answers a client's requests past the limit with 429 and Retry-After; other clients and routes go on", async () => {
    const t = await limitedApp({ statistics: { limit: 5, windowMs: 60_000 } });
    const paths = [
      "/v1/statistics/progress",
      "/v1/statistics/contracts?groupBy=type",
      "/v1/statistics/contracts?groupBy=month,type&from=2024-01-01&to=2025-05-31",
      "/v1/statistics/achievements",
      "/v1/statistics/contracts?groupBy=year",
    ];
    for (const path of paths) expect((await t.call("GET", path, as("203.0.113.7"))).status).toBe(200);
    for (const path of paths)
      expectTooMany(
        await t.call("GET", path, as("203.0.113.7")),
        /at most 5 statistics requests from one client per 1 minute/,
      );
    // A bad query from the limited client is refused by the limit before it costs anything.
    expect((await t.call("GET", "/v1/statistics/contracts?groupBy=nonsense", as("203.0.113.7"))).status).toBe(429);
    expect((await t.call("GET", "/v1/statistics/progress", as("198.51.100.2"))).status).toBe(200);
    expect((await t.call("GET", "/v1/goals", as("203.0.113.7"))).status).toBe(200);
    expect((await t.call("GET", "/healthz", as("203.0.113.7"))).status).toBe(200);
  });

  it("counts a caller with a token under its organisation, not its address", async () => {
    const t = await limitedApp({ statistics: { limit: 2, windowMs: 60_000 } });
    const operator = await givenOperator(t);
    for (let i = 0; i < 2; i++)
      expect((await t.call("GET", "/v1/statistics/progress", as("10.0.0.1"))).status).toBe(200);
    expect((await t.call("GET", "/v1/statistics/progress", as("10.0.0.1"))).status).toBe(429);
    // Same address, with a token: its own count.
    for (let i = 0; i < 2; i++)
      expect((await t.call("GET", "/v1/statistics/progress", as("10.0.0.1", operator.token))).status).toBe(200);
    // Its organisation's count follows it to another address.
    expect((await t.call("GET", "/v1/statistics/progress", as("10.0.0.2", operator.token))).status).toBe(429);
  });

  it("forgets the count after the window", async () => {
    const t = await limitedApp({ statistics: { limit: 1, windowMs: 1_000 } });
    expect((await t.call("GET", "/v1/statistics/progress", as("10.0.0.3"))).status).toBe(200);
    expect((await t.call("GET", "/v1/statistics/progress", as("10.0.0.3"))).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await t.call("GET", "/v1/statistics/progress", as("10.0.0.3"))).status).toBe(200);
  });
});

describe("rate limits on POST /v1/auth/token", () => {
  it("stops guessing one key's secret: refused attempts per key id, from any address, then 429 even for the right secret", async () => {
    const t = await limitedApp({ keyFailures: { limit: 10, windowMs: 15 * 60_000 } });
    const { apiKey } = await givenOperator(t);
    const other = await givenOperator(t, "Operator Two");
    const [prefix, keyId] = apiKey.split(".");
    const guess = (i: number) =>
      t.call("POST", "/v1/auth/token", { body: { apiKey: `${prefix}.${keyId}.wrong${i}` }, ...as(`192.0.2.${i}`) });
    for (let i = 0; i < 10; i++) expect((await guess(i)).status).toBe(401);
    expectTooMany(await guess(10), /at most 10 refused token requests for one key per 15 minutes/, 900);
    const events = await countRows(t, "audit_events");
    expectTooMany(
      await t.call("POST", "/v1/auth/token", { body: { apiKey }, ...as("192.0.2.200") }),
      /refused token requests for one key/,
      900,
    );
    expect(await countRows(t, "audit_events")).toBe(events);
    // Another key is not affected.
    expect(
      (await t.call("POST", "/v1/auth/token", { body: { apiKey: other.apiKey }, ...as("192.0.2.1") })).status,
    ).toBe(200);
  });

  it("does not count successful exchanges against the key", async () => {
    const t = await limitedApp({ keyFailures: { limit: 2, windowMs: 60_000 } });
    const { apiKey } = await givenOperator(t);
    for (let i = 0; i < 8; i++)
      expect((await t.call("POST", "/v1/auth/token", { body: { apiKey }, ...as("192.0.2.9") })).status).toBe(200);
  });

  it("limits token requests per client address, whatever the key", async () => {
    const t = await limitedApp({ tokens: { limit: 3, windowMs: 60_000 } });
    const { apiKey } = await givenOperator(t);
    for (let i = 0; i < 3; i++)
      expect((await t.call("POST", "/v1/auth/token", { body: { apiKey }, ...as("198.51.100.9") })).status).toBe(200);
    expectTooMany(
      await t.call("POST", "/v1/auth/token", { body: { apiKey: "tml.x.y" }, ...as("198.51.100.9") }),
      /at most 3 token requests from one client per 1 minute/,
    );
    expect((await t.call("POST", "/v1/auth/token", { body: { apiKey }, ...as("198.51.100.10") })).status).toBe(200);
    // The JWKS beside it is not limited.
    expect((await t.call("GET", "/.well-known/jwks.json", as("198.51.100.9"))).status).toBe(200);
  });

  it("is on by default, from configuration", async () => {
    const t = await createTestApp({ clientAddress: fromHeader });
    expect(t.deps.rateLimits).toEqual({
      statistics: { limit: 120, windowMs: 60_000 },
      tokens: { limit: 30, windowMs: 60_000 },
      keyFailures: { limit: 10, windowMs: 15 * 60_000 },
    });
  });
});

describe("the client a request is counted under", () => {
  it("is an IPv4 address, or the /64 of an IPv6 one", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("2001:db8:0:1:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:0:1::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("2001:0db8:0000:0001::5")).toBe("2001:db8:0:1::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey(undefined)).toBe("unknown");
  });

  it("on Node is the socket's peer, or behind trusted proxies the entry the outermost one appended", () => {
    const context = (forwarded?: string) =>
      ({
        req: { header: (name: string) => (name === "x-forwarded-for" ? forwarded : undefined) },
        env: { incoming: { socket: { remoteAddress: "10.1.1.1", remotePort: 1, remoteFamily: "IPv4" } } },
      }) as unknown as Context;
    expect(nodeClientAddress(0)(context("6.6.6.6"))).toBe("10.1.1.1");
    expect(nodeClientAddress(1)(context("6.6.6.6, 203.0.113.7"))).toBe("203.0.113.7");
    expect(nodeClientAddress(2)(context("6.6.6.6, 203.0.113.7, 10.0.0.5"))).toBe("203.0.113.7");
    expect(nodeClientAddress(1)(context())).toBe("10.1.1.1");
  });
});
