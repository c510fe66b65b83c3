import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DisclosureCell, suppressCells } from "../../src/domain/statistics/disclosure.ts";

const cell = (keys: string[], contributors: number, value: bigint | number = 1_000_000, largest = value) =>
  ({ keys, contributors, measures: [{ value, largest }] }) satisfies DisclosureCell;

/** A cell of many small contracts: never primarily suppressed. */
const safe = (keys: string[], contributors = 10, value = 1_000_000) => cell(keys, contributors, value, 1);

const suppressedKeys = (cells: DisclosureCell[], flags: boolean[]) =>
  cells.filter((_, i) => flags[i]).map((c) => c.keys.join(","));

const dominated = (c: DisclosureCell) =>
  c.measures.some((m) => {
    const value = BigInt(m.value);
    return value > 0n && BigInt(m.largest) * 5n > value * 4n;
  });

/** Cells grouped by their keys outside `summed` (dimension indexes): the marginals of a coarser table. */
function marginals(cells: DisclosureCell[], summed: number[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const [i, c] of cells.entries()) {
    const key = JSON.stringify(c.keys.filter((_, d) => !summed.includes(d)));
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  }
  return [...groups.values()];
}

const subsets = (arity: number) =>
  Array.from({ length: 2 ** arity - 1 }, (_, m) =>
    Array.from({ length: arity }, (_, d) => d).filter((d) => ((m + 1) & (1 << d)) !== 0),
  );

describe("primary suppression", () => {
  it("suppresses a cell of fewer than 3 contracts", () => {
    expect(suppressCells([safe(["a"], 2)])).toEqual([true]);
    expect(suppressCells([safe(["a"], 3)])).toEqual([false]);
  });

  it("suppresses a cell whose largest contract is over 80% of it, not one at exactly 80%", () => {
    expect(suppressCells([cell(["a"], 3, 100, 81)])).toEqual([true]);
    expect(suppressCells([cell(["a"], 3, 100, 80)])).toEqual([false]);
    // Exact past 2^53: as floating point 0.8 × value rounds and would misjudge this cell.
    const value = 2n ** 60n + 5n;
    expect(suppressCells([cell(["a"], 3, value, (value * 4n) / 5n + 1n)])).toEqual([true]);
    expect(suppressCells([cell(["a"], 3, value, (value * 4n) / 5n)])).toEqual([false]);
  });

  it("suppresses when any one measure is dominated", () => {
    const c: DisclosureCell = {
      keys: ["a"],
      contributors: 5,
      measures: [
        { value: 100, largest: 10 },
        { value: 100, largest: 90 },
      ],
    };
    expect(suppressCells([c])).toEqual([true]);
  });

  it("takes largest = value (the documented fallback when unknown) as dominated", () => {
    expect(suppressCells([cell(["a"], 50, 1000)])).toEqual([true]);
  });

  it("does not call a zero or negative net amount dominated, but still counts its contracts", () => {
    expect(suppressCells([cell(["a"], 3, -500, -500), cell(["b"], 3, 0, 0)])).toEqual([false, false]);
    expect(suppressCells([cell(["a"], 2, -500, -500)])).toEqual([true]);
  });

  it("honours other thresholds, the dominance as an exact fraction", () => {
    expect(suppressCells([cell(["a"], 4, 100, 51)], { minContributors: 5 })).toEqual([true]);
    expect(suppressCells([cell(["a"], 5, 100, 51)], { minContributors: 5, dominance: 0.6 })).toEqual([false]);
    expect(suppressCells([cell(["a"], 5, 100, 51)], { dominance: { num: 1, den: 2 } })).toEqual([true]);
    expect(suppressCells([cell(["a"], 5, 100, 50)], { dominance: { num: 1n, den: 2n } })).toEqual([false]);
  });
});

describe("complementary suppression", () => {
  it("suppresses nothing when every cell is fine", () => {
    const cells = ["a", "b"].flatMap((r) => ["x", "y", "z"].map((c) => safe([r, c])));
    expect(suppressCells(cells)).toEqual(cells.map(() => false));
  });

  it("hides a small cell of a one-way table behind the next smallest", () => {
    const cells = [safe(["a"], 2), safe(["b"], 5), safe(["c"], 4), safe(["d"], 10)];
    expect(suppressedKeys(cells, suppressCells(cells))).toEqual(["a", "c"]);
  });

  it("gives a two-way primary one complement in its row and one in its column, the smallest", () => {
    const cells = [
      safe(["A", "X"], 2),
      safe(["A", "Y"], 4, 900),
      safe(["A", "Z"], 4, 500), // row A: same count as (A,Y), smaller amount
      safe(["B", "X"], 6),
      safe(["B", "Y"], 8),
      safe(["B", "Z"], 9),
      safe(["C", "X"], 3), // column X: fewest contracts
      safe(["C", "Y"], 7),
      safe(["C", "Z"], 3),
    ];
    const flags = suppressCells(cells);
    // The two complements leave column Z and row C with one each; (C,Z) closes both.
    expect(suppressedKeys(cells, flags)).toEqual(["A,X", "A,Z", "C,X", "C,Z"]);
  });

  it("protects through the grand total when a cell is alone in its row and its column", () => {
    const cells = [safe(["A", "X"], 1), safe(["B", "Y"], 10), safe(["C", "Z"], 5)];
    expect(suppressedKeys(cells, suppressCells(cells))).toEqual(["A,X", "C,Z"]);
  });

  it("protects the marginals of a coarser grouping, not only the lines", () => {
    // Plane x (the table grouped by the third dimension) holds two cells that share no line.
    const cells = [safe(["a", "1", "x"], 1), safe(["b", "2", "x"], 9), safe(["c", "3", "y"], 4)];
    expect(suppressedKeys(cells, suppressCells(cells))).toEqual(["a,1,x", "b,2,x"]);
  });

  it("leaves a table of one suppressed cell as it is (its exact total reveals it, see the module note)", () => {
    expect(suppressCells([safe(["a", "x"], 1)])).toEqual([true]);
  });

  // Known gap of the count rule (see the module note): here every line keeps 0 or ≥ 2 suppressed
  // cells, yet (r2,c1), a single contract, is a bridge between two suppressed cycles and follows
  // exactly from four marginals: col1 − (row0 + row1 − col0), each net of its published cells.
  // This pins the gap down; when an exact audit lands, the last expectation flips to `not.toBe`.
  it("known gap: a suppressed cell can still follow from combining several marginals", () => {
    const grid = [
      [1, 6, 6, 8, 100, 100, 600, 700],
      [6, 6, 8, 8, 200, 600, 900, 900],
      [6, 1, 1, 6, 600, 500, 500, 100],
      [7, 6, 1, 1, 400, 500, 600, 600],
    ];
    const cells = grid.flatMap((row, r) =>
      [0, 1, 2, 3].map((c) => safe([`r${r}`, `c${c}`], row[c] as number, row[c + 4] as number)),
    );
    const flags = suppressCells(cells);
    const at = (r: number, c: number) => r * 4 + c;
    expect(suppressedKeys(cells, flags)).toEqual([
      "r0,c0",
      "r0,c1",
      "r1,c0",
      "r1,c1",
      "r2,c1",
      "r2,c2",
      "r2,c3",
      "r3,c2",
      "r3,c3",
    ]);
    const value = (i: number) => Number((cells[i] as DisclosureCell).measures[0]?.value);
    const residual = (line: number[]) => line.filter((i) => flags[i]).reduce((sum, i) => sum + value(i), 0);
    const row = (r: number) => [0, 1, 2, 3].map((c) => at(r, c));
    const col = (c: number) => [0, 1, 2, 3].map((r) => at(r, c));
    const derived = residual(col(1)) - (residual(row(0)) + residual(row(1)) - residual(col(0)));
    expect(derived).toBe(value(at(2, 1)));
  });

  it("refuses malformed tables", () => {
    expect(() => suppressCells([safe(["a"]), safe(["a", "b"])])).toThrow(RangeError);
    expect(() => suppressCells([safe(["a"]), safe(["a"])])).toThrow(RangeError);
    expect(() => suppressCells([cell(["a"], 5, 1.5, 1)])).toThrow(RangeError);
    expect(() => suppressCells([cell(["a"], Number.NaN)])).toThrow(RangeError);
    expect(() => suppressCells([safe(["a"])], { dominance: 1.2 })).toThrow(RangeError);
  });

  it("does not confuse keys containing separators", () => {
    const cells = [safe(["a|1:b", "c"], 1), safe(["a", "b|1:c"], 10), safe(["x", "y"], 10)];
    // No two of these share a line, so only the grand total links them.
    expect(suppressedKeys(cells, suppressCells(cells))).toEqual(["a|1:b,c", "a,b|1:c"]);
  });
});

const letters = ["a", "b", "c", "d"];
const amountArb = fc.oneof(fc.integer({ min: 0, max: 10 ** 12 }), fc.bigInt({ min: 0n, max: 2n ** 64n }));
const cellArb = (arity: number) =>
  fc
    .record({
      keys: fc.array(fc.constantFrom(...letters), { minLength: arity, maxLength: arity }),
      contributors: fc.integer({ min: 1, max: 10 }),
      value: amountArb,
      // Percent steps, so the 80% boundary itself comes up.
      share: fc.integer({ min: 0, max: 100 }),
    })
    .map(({ keys, contributors, value, share }): DisclosureCell => {
      const largest = typeof value === "bigint" ? (value * BigInt(share)) / 100n : Math.floor((value * share) / 100);
      return { keys, contributors, measures: [{ value, largest }] };
    });
const tableArb = fc
  .integer({ min: 2, max: 3 })
  .chain((arity) =>
    fc
      .uniqueArray(cellArb(arity), { selector: (c) => c.keys.join(","), minLength: 1, maxLength: 40 })
      .map((cells) => ({ arity, cells })),
  );

describe("properties of random two- and three-way tables", () => {
  it("publishes only safe cells and never leaves one suppressed cell under a published marginal", () => {
    fc.assert(
      fc.property(tableArb, ({ arity, cells }) => {
        const flags = suppressCells(cells);
        expect(flags).toHaveLength(cells.length);
        expect(suppressCells(cells)).toEqual(flags);

        for (const [i, c] of cells.entries()) {
          if (!flags[i]) {
            expect(c.contributors).toBeGreaterThanOrEqual(3);
            expect(dominated(c)).toBe(false);
          }
        }
        // Lines (one dimension summed), coarser planes, and the grand total (all summed).
        for (const summed of subsets(arity)) {
          for (const group of marginals(cells, summed)) {
            if (group.length < 2) continue;
            expect(group.filter((i) => flags[i]).length).not.toBe(1);
          }
        }
        if (cells.length >= 2) expect(flags.filter(Boolean).length).not.toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it("leaves at least two unknowns whenever a two-way marginal minus its published cells is taken", () => {
    fc.assert(
      fc.property(
        tableArb.filter((t) => t.arity === 2),
        ({ cells }) => {
          const flags = suppressCells(cells);
          const value = (i: number) => BigInt((cells[i] as DisclosureCell).measures[0]?.value ?? 0);
          for (const summed of [[0], [1], [0, 1]]) {
            for (const line of marginals(cells, summed)) {
              if (line.length < 2) continue;
              const marginal = line.reduce((sum, i) => sum + value(i), 0n);
              const published = line.filter((i) => !flags[i]).reduce((sum, i) => sum + value(i), 0n);
              const unknowns = line.filter((i) => flags[i]);
              // The residual is shared by the unknowns; with exactly one, it is that cell's figure.
              if (unknowns.length === 1) {
                expect.fail(`cell ${unknowns[0]} is derivable as ${marginal - published}`);
              }
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("size", () => {
  it("handles a 100,000-cell table", () => {
    // A fixed linear congruential sequence keeps the table the same on every run.
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const cells: DisclosureCell[] = [];
    for (let m = 0; m < 100; m++) {
      for (let f = 0; f < 50; f++) {
        for (let r = 0; r < 20; r++) {
          const value = next() % 10_000_000;
          cells.push({
            keys: [`2025-${m}`, `field-${f}`, `region-${r}`],
            contributors: 1 + (next() % 12),
            measures: [{ value, largest: Math.floor(value / 2) }],
          });
        }
      }
    }
    const flags = suppressCells(cells);
    expect(flags).toHaveLength(100_000);
    const primary = cells.filter((c) => c.contributors < 3).length;
    expect(flags.filter(Boolean).length).toBeGreaterThanOrEqual(primary);
  });
});
