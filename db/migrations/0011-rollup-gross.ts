import type { Migration } from "./index.ts";

/**
 * Sums stay exact. Every figure a statistics read returns is a sum of some of a family's entries,
 * so it is at most the sum of their magnitudes: that sum (the gross) is kept per family and
 * measure, and a write that would take it past 2^53 - 1 (JavaScript's largest exact integer) is
 * refused by the CHECK, in the same atomic write as the entry. No read can then meet a sum it
 * cannot represent. A ledger already past the bound starts at the bound (writes refused).
 */
export const rollupGross: Migration = {
  version: 11,
  name: "rollup-gross",
  statements: [
    `CREATE TABLE rollup_gross (
      family TEXT NOT NULL,
      measure TEXT NOT NULL,
      gross INTEGER NOT NULL,
      PRIMARY KEY (family, measure),
      CONSTRAINT rollup_gross_exact CHECK (gross BETWEEN 0 AND 9007199254740991)
    ) STRICT, WITHOUT ROWID`,
    ...[
      ["volume", "volume_entries", ["count", "total_fen", "technology_fen"]],
      ["achievement", "achievement_entries", ["registered", "converted"]],
    ].flatMap(([family, entries, measures]) =>
      (measures as string[]).map(
        (measure) => `INSERT INTO rollup_gross (family, measure, gross)
          SELECT '${family}', '${measure}', CAST(min(total(abs(${measure})), 9007199254740991) AS INTEGER) FROM ${entries}`,
      ),
    ),
  ],
};
