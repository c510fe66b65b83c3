/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-character
 * alphabet (no I, O, S, V, Z); characters 3-8 are the registering authority's GB/T 2260 region;
 * the 18th is a check character over the first 17 with weights 3^i mod 31.
 */
export const CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

export function creditCodeCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) return null;
    sum += value * (WEIGHTS[i] ?? 0);
  }
  return CREDIT_CODE_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

export type CreditCodeProblem = "length" | "characters" | "region" | "check";

export function creditCodeProblem(code: string): CreditCodeProblem | null {
  if (code.length !== 18) return "length";
  for (const ch of code) if (!CREDIT_CODE_ALPHABET.includes(ch)) return "characters";
  if (!/^\d{6}$/.test(code.slice(2, 8))) return "region";
  return creditCodeCheckCharacter(code.slice(0, 17)) === code.charAt(17) ? null : "check";
}

export const creditCodeMessages: Record<CreditCodeProblem, string> = {
  length: "must be 18 characters (GB 32100-2015)",
  characters: "may contain only digits and the capital letters A-H, J-N, P-R, T, U, W-Y (GB 32100-2015)",
  region: "characters 3 to 8 must be the 6-digit region code of the registering authority",
  check: "check character does not match (GB 32100-2015): the code is mistyped",
};
