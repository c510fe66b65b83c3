import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/runtime/config.ts";
import worker from "../../src/runtime/worker.ts";

describe("configuration", () => {
  it("needs nothing: every setting has a working default", () => {
    expect(parseConfig({})).toMatchObject({
      PORT: 3000,
      LEDGER_DATABASE: "./data/ledger.sqlite",
      LEDGER_REGION_CODE: "540100",
      LEDGER_TOKEN_TTL_SECONDS: 900,
    });
  });

  it("reads overrides and ignores unrelated and empty variables", () => {
    const config = parseConfig({ PORT: "8080", LEDGER_DATABASE: ":memory:", LEDGER_REGION_CODE: "", HOME: "/root" });
    expect(config.PORT).toBe(8080);
    expect(config.LEDGER_DATABASE).toBe(":memory:");
    expect(config.LEDGER_REGION_CODE).toBe("540100");
  });

  it("stops on a bad value with a message naming the variable", () => {
    expect(() => parseConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => parseConfig({ LEDGER_REGION_CODE: "5401" })).toThrow(/LEDGER_REGION_CODE: must be a 6-digit/);
    expect(() => parseConfig({ LEDGER_TOKEN_TTL_SECONDS: "5" })).toThrow(/LEDGER_TOKEN_TTL_SECONDS/);
  });

  it("never echoes a bad signing key", () => {
    let message = "";
    try {
      parseConfig({ LEDGER_SIGNING_KEY: "secret-material" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain("LEDGER_SIGNING_KEY");
    expect(message).not.toContain("secret-material");
  });

  it("a Worker without LEDGER_SIGNING_KEY answers 503 problem+json and logs what to set", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(" "));
    try {
      const response = await worker.fetch(new Request("https://ledger.test/healthz"), { DB: {} as never });
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect((await response.json()).type).toBe("urn:tech-market-ledger:problem:unavailable");
    } finally {
      console.error = original;
    }
    expect(String(errors[0])).toMatch(/LEDGER_SIGNING_KEY is not set.*wrangler secret put LEDGER_SIGNING_KEY/);
  });
});
