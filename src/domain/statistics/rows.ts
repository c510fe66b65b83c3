/** What every statistics answer shares: rows in the order of their keys, and shares written exactly. */

/** Orders rows by their keys, dimension by dimension in the grouping's order (code-unit order, as SQL's BINARY). */
export function byKeys<D extends string>(groupBy: readonly D[]) {
  return (a: { keys: Partial<Record<D, string>> }, b: { keys: Partial<Record<D, string>> }) => {
    for (const d of groupBy) {
      const x = a.keys[d] ?? "";
      const y = b.keys[d] ?? "";
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

/** part / whole with four decimals, truncated, from integers (no float ever rounds it); null when whole is not positive. */
export function shareOf(part: number, whole: number): string | null {
  if (whole <= 0) return null;
  const scaled = (BigInt(Math.max(0, part)) * 10_000n) / BigInt(whole);
  return `${scaled / 10_000n}.${String(scaled % 10_000n).padStart(4, "0")}`;
}
