import { MONEY_PATTERN } from "../../contracts/common.ts";

/** Amounts are integer fen (1/100 yuan) everywhere below the HTTP layer. */
export type Fen = number;

export function parseYuan(text: string): Fen {
  const match = MONEY_PATTERN.exec(text);
  if (!match) throw new RangeError(`not a yuan amount: ${text}`);
  const whole = match[1] ?? "0";
  const decimals = (match[2] ?? "").slice(1).padEnd(2, "0");
  const fen = Number(whole) * 100 + Number(decimals);
  if (!Number.isSafeInteger(fen)) throw new RangeError(`amount out of range: ${text}`);
  return fen;
}

export function formatYuan(fen: Fen): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer: ${fen}`);
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  const cents = String(abs % 100).padStart(2, "0");
  return `${sign}${Math.trunc(abs / 100)}.${cents}`;
}

/** Exact sum; refuses to round past 2^53 fen (about 90 trillion yuan). */
export function addFen(a: Fen, b: Fen): Fen {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError("sum exceeds exact integer range");
  return sum;
}

/** Hundredths of a percent as a two-decimal string, e.g. 6325n → "63.25", -50n → "-0.50". */
export function formatBasisPoints(bp: bigint): string {
  const sign = bp < 0n ? "-" : "";
  const abs = bp < 0n ? -bp : bp;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}
