import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("rate limits on Workers (the bindings of wrangler.toml)", () => {
  it("answers the 11th token request for one key id in a minute with 429 problem+json and Retry-After", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 11; i++) {
      const response = await SELF.fetch("https://ledger.test/v1/auth/token", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": `192.0.2.${i}` },
        body: JSON.stringify({ apiKey: `tml.key_guessed.wrong${i}` }),
      });
      statuses.push(response.status);
      if (i < 10) await response.text();
      last = response;
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    if (!last) throw new Error("no answer");
    expect(last.headers.get("content-type")).toContain("application/problem+json");
    expect(last.headers.get("retry-after")).toBe("60");
    expect(((await last.json()) as { detail: string }).detail).toMatch(/too many token requests for one key/);
  });
});
