import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MoneyInput } from "../../contracts/common.ts";
import { formatYuan, parseYuan } from "../../src/domain/money.ts";

describe("money", () => {
  it("parses yuan strings to exact fen", () => {
    expect(parseYuan("1250000")).toBe(125_000_000);
    expect(parseYuan("1250000.5")).toBe(125_000_050);
    expect(parseYuan("1250000.05")).toBe(125_000_005);
    expect(parseYuan("0.01")).toBe(1);
    expect(parseYuan("0")).toBe(0);
  });

  it("formats fen with exactly two decimals", () => {
    expect(formatYuan(125_000_050)).toBe("1250000.50");
    expect(formatYuan(5)).toBe("0.05");
    expect(formatYuan(-125)).toBe("-1.25");
    expect(formatYuan(0)).toBe("0.00");
  });

  it("refuses numbers, signs, exponents, extra decimals and leading zeros", () => {
    for (const bad of [1250000, "-1", "+1", "1e6", "1.234", "01", ".5", "1.", " 1", "1,000", "NaN", "", "1.5e2"]) {
      expect(MoneyInput.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("round-trips every amount", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_000_000 }), (fen) => {
        const text = formatYuan(fen);
        expect(MoneyInput.safeParse(text).success).toBe(true);
        expect(parseYuan(text)).toBe(fen);
      }),
    );
  });
});
