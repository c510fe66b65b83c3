import { describe, expect, it } from "vitest";
import { createIds } from "../../src/runtime/ids.ts";

describe("ids", () => {
  it("are prefixed ULID-style, unique, and sort by creation time", () => {
    let clock = 1_750_000_000_000;
    const ids = createIds(() => clock);
    const made = [];
    // Many more than one 4 KiB pool of random bytes holds (16 per id): refills must not repeat.
    for (let i = 0; i < 10_000; i++) {
      if (i % 100 === 0) clock++;
      made.push(ids.next("tc"));
    }
    for (const id of made) expect(id).toMatch(/^tc_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(made).size).toBe(made.length);
    expect(new Set(made.map((id) => id.slice(13))).size).toBe(made.length);
    const firstOfEachMs = made.filter((_, i) => i % 100 === 0);
    expect([...firstOfEachMs].sort()).toEqual(firstOfEachMs);
  });

  it("makes URL-safe secrets of 256 bits", () => {
    const ids = createIds();
    const secrets = Array.from({ length: 100 }, () => ids.secret());
    for (const s of secrets) expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(secrets).size).toBe(100);
  });
});
