import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CREDIT_CODE_ALPHABET, creditCodeCheckCharacter, creditCodeProblem } from "../../contracts/credit-code.ts";

const charArb = fc.constantFrom(...CREDIT_CODE_ALPHABET.split(""));
const digitArb = fc.constantFrom(..."0123456789".split(""));
const first17Arb = fc
  .tuple(
    fc.array(charArb, { minLength: 2, maxLength: 2 }),
    fc.array(digitArb, { minLength: 6, maxLength: 6 }),
    fc.array(charArb, { minLength: 9, maxLength: 9 }),
  )
  .map(([a, b, c]) => [...a, ...b, ...c].join(""));

describe("unified social credit code (GB 32100-2015)", () => {
  it("accepts published codes", () => {
    // Codes printed on public business licences.
    for (const code of ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]) {
      expect(creditCodeProblem(code)).toBeNull();
    }
  });

  it("names what is wrong", () => {
    expect(creditCodeProblem("91350100M000100Y4")).toBe("length");
    expect(creditCodeProblem("91350100M000100Y4I")).toBe("characters");
    expect(creditCodeProblem("9135010OM000100Y43")).toBe("characters");
    expect(creditCodeProblem("91AB0100M000100Y43")).toBe("region");
    expect(creditCodeProblem("91350100M000100Y44")).toBe("check");
    expect(creditCodeProblem("91350100m000100y43")).toBe("characters");
  });

  it("accepts every code whose check character is computed", () => {
    fc.assert(
      fc.property(first17Arb, (first17) => {
        const check = creditCodeCheckCharacter(first17);
        expect(check).not.toBeNull();
        expect(creditCodeProblem(first17 + check)).toBeNull();
      }),
    );
  });

  it("detects every single-character substitution", () => {
    fc.assert(
      fc.property(first17Arb, fc.nat({ max: 17 }), charArb, (first17, position, replacement) => {
        const code = first17 + creditCodeCheckCharacter(first17);
        fc.pre(code.charAt(position) !== replacement);
        const mutated = code.slice(0, position) + replacement + code.slice(position + 1);
        expect(creditCodeProblem(mutated)).not.toBeNull();
      }),
    );
  });

  it("detects swaps of adjacent different characters", () => {
    fc.assert(
      fc.property(first17Arb, fc.nat({ max: 16 }), (first17, i) => {
        const code = first17 + creditCodeCheckCharacter(first17);
        fc.pre(code.charAt(i) !== code.charAt(i + 1));
        const swapped = code.slice(0, i) + code.charAt(i + 1) + code.charAt(i) + code.slice(i + 2);
        expect(creditCodeProblem(swapped)).not.toBeNull();
      }),
    );
  });
});
