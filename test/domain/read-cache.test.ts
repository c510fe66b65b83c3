import { describe, expect, it } from "vitest";
import { answerBytes, createReadCache } from "../../src/domain/ledger/read-cache.ts";

const answer = (rows: number, tag: string) => ({
  tag,
  rows: Array.from({ length: rows }, (_, i) => ({ keys: { sellerRegion: `r${i}` }, count: i, change: BigInt(i) })),
});

describe("the read cache", () => {
  it("is bounded by bytes: answers of varied queries never take more than its bound", () => {
    const cache = createReadCache(1024 * 1024);
    const one = answerBytes(answer(1000, "q0"));
    expect(one).toBeGreaterThan(100_000); // about 50 KB of JSON, weighed four times
    for (let i = 0; i < 200; i++) cache.set(`q${i}`, answer(1000, `q${i}`));
    expect(cache.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.get("q199")).toEqual(answer(1000, "q199"));
    expect(cache.get("q0")).toBeUndefined();
  });

  it("forgets the least recently used first, and keeps no answer larger than the whole bound", () => {
    const cache = createReadCache(3 * answerBytes(answer(100, "a")));
    cache.set("a", answer(100, "a"));
    cache.set("b", answer(100, "b"));
    cache.set("c", answer(100, "c"));
    expect(cache.get("a")).toBeDefined(); // a is now the most recently used
    cache.set("d", answer(100, "d"));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    cache.set("huge", answer(10_000, "huge"));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
  });
});

describe("an answer's weight", () => {
  it("estimates a long array from samples within a few percent of its real JSON", () => {
    for (const rows of [10, 100, 5000]) {
      const value = answer(rows, "w");
      const real = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)).length * 4;
      expect(Math.abs(answerBytes(value) - real) / real).toBeLessThan(0.05);
    }
  });
});
