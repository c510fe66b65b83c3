/**
 * Statistical disclosure control for public statistics tables.
 *
 * A single contract's price is confidential, so callers without an operator token get tables in
 * which a cell is suppressed when it describes fewer than `minContributors` contracts (pledges,
 * converted achievements) or when its largest contract is more than `dominance` of its amount
 * (primary suppression), and further cells are suppressed so that no suppressed figure can be
 * derived by subtraction from a published marginal and the published cells it sums
 * (complementary suppression). Totals stay exact; operators see every cell.
 *
 * What the count rule used here guarantees, and what it does not:
 * - Every published marginal, that is the grand total and the marginal of every coarser grouping
 *   (the same table grouped by a subset of its dimensions), covers either no suppressed cell or at
 *   least two, so no single subtraction yields a suppressed figure. With more than
 *   FULL_MARGINALS_UP_TO dimensions only the marginals one dimension coarser (the lines) and the
 *   grand total are protected, because each cell belongs to 2^k − 1 marginals.
 * - A marginal covering exactly one cell is that cell's own figure in the coarser table; it is
 *   left alone here, since suppressing another cell cannot hide it. A primary suppression is
 *   repeated there (the same contracts fail the same test), a complementary one is not.
 * - A table of one suppressed cell is revealed by its exact total; the rule keeps totals exact,
 *   so callers must not publish such a table (or its total) to the public.
 * - Combining several marginals can still pin a cell down: in a two-way table a suppressed cell
 *   that is a bridge of the row–column graph of suppressed cells (two suppressed cycles joined by
 *   one cell) is determined exactly, and nonnegative amounts bound every suppressed cell by
 *   intervals that can be narrow. Tables published separately (other groupings, other date
 *   ranges) are not coordinated with this one, so differencing them can reveal what this one hides.
 */

import type { Caller } from "../ports.ts";

/** Who a statistics table is for: operators see every cell, everyone else the table under this rule. */
export type Audience = "public" | "operator";

export const audienceOf = (caller: Caller): Audience => (caller.role === "operator" ? "operator" : "public");

export interface DisclosureMeasure {
  /** The cell's amount in integer fen; a net figure may be negative. */
  readonly value: bigint | number;
  /**
   * The largest single contributor's amount. A caller that does not know it passes `value`: the
   * worst case, in which every cell with a positive amount counts as dominated.
   */
  readonly largest: bigint | number;
}

export interface DisclosureCell {
  /** The cell's value along each dimension of the grouping (a period too), in one fixed order. */
  readonly keys: readonly string[];
  /** Distinct contracts (pledges, converted achievements) the cell describes. */
  readonly contributors: number;
  readonly measures: readonly DisclosureMeasure[];
}

/** The dominance share as an exact fraction, so the test needs no floating point. */
export interface DominanceRatio {
  readonly num: bigint | number;
  readonly den: bigint | number;
}

export interface DisclosureOptions {
  /** Default 3. */
  readonly minContributors?: number;
  /** Default 0.8. A number is taken to six decimals (0.8 is exactly 800000/1000000). */
  readonly dominance?: number | DominanceRatio;
}

/** Beyond this many dimensions only lines and the grand total are protected (see above). */
export const FULL_MARGINALS_UP_TO = 4;

const DOMINANCE_SCALE = 1_000_000;

/**
 * Which cells of one table to suppress for the public, in the cells' order. Primary suppressions
 * are made first; then every marginal left covering exactly one suppressed cell gets its
 * smallest published cell suppressed too (fewest contributors, then smallest first amount, then
 * the earlier cell), until no such marginal remains. Deterministic for a given input order and
 * linear in cells × marginals per cell.
 *
 * Throws RangeError on cells of different arity, two cells with the same keys, amounts that are
 * not integers (numbers must be safe integers), a contributor count that is not a nonnegative
 * integer, or options out of range.
 */
export function suppressCells(cells: readonly DisclosureCell[], options: DisclosureOptions = {}): boolean[] {
  const minContributors = options.minContributors ?? 3;
  if (!Number.isInteger(minContributors) || minContributors < 0) {
    throw new RangeError(`minContributors must be a nonnegative integer: ${minContributors}`);
  }
  const { num, den } = dominanceRatio(options.dominance ?? 0.8);

  const n = cells.length;
  const suppressed = new Array<boolean>(n).fill(false);
  const first = cells[0];
  if (first === undefined) return suppressed;
  const arity = first.keys.length;
  // Masks are 32-bit integers; no grouping comes near this.
  if (arity > 30) throw new RangeError(`too many dimensions: ${arity}`);

  const firstValue: bigint[] = [];
  for (const [i, cell] of cells.entries()) {
    if (cell.keys.length !== arity) {
      throw new RangeError(`cell ${i} has ${cell.keys.length} keys, the first has ${arity}`);
    }
    if (!Number.isInteger(cell.contributors) || cell.contributors < 0) {
      throw new RangeError(`cell ${i}: contributors must be a nonnegative integer: ${cell.contributors}`);
    }
    const measure = cell.measures[0];
    firstValue.push(measure === undefined ? 0n : toBigInt(measure.value));
  }

  const marginalKey = codeKeys(cells, arity);
  const seen = new Set<number | string>();
  for (let i = 0; i < n; i++) {
    const id = marginalKey(i, 0);
    if (seen.has(id)) throw new RangeError(`cell ${i} repeats the keys of an earlier cell`);
    seen.add(id);
  }

  // Cheapest first, so each marginal's member list is already in the order complements are chosen.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const ca = cells[a] as DisclosureCell;
    const cb = cells[b] as DisclosureCell;
    if (ca.contributors !== cb.contributors) return ca.contributors - cb.contributors;
    const va = firstValue[a] as bigint;
    const vb = firstValue[b] as bigint;
    if (va !== vb) return va < vb ? -1 : 1;
    return a - b;
  });

  // A mask's set bits are the dimensions a marginal sums over; the grand total sums over all.
  const full = 2 ** arity - 1;
  const masks: number[] = [];
  if (arity <= FULL_MARGINALS_UP_TO) {
    for (let mask = 1; mask <= full; mask++) masks.push(mask);
  } else {
    for (let d = 0; d < arity; d++) masks.push(2 ** d);
    masks.push(full);
  }
  const perCell = masks.length;

  const groupIds = masks.map(() => new Map<number | string, number>());
  const members: number[][] = [];
  const cellGroups = new Int32Array(n * perCell);
  for (const i of order) {
    for (const [j, mask] of masks.entries()) {
      const ids = groupIds[j] as Map<number | string, number>;
      const key = marginalKey(i, mask);
      let g = ids.get(key);
      if (g === undefined) {
        g = members.length;
        ids.set(key, g);
        members.push([]);
      }
      (members[g] as number[]).push(i);
      cellGroups[i * perCell + j] = g;
    }
  }

  const exposed = (i: number) => {
    for (let j = 0; j < perCell; j++)
      if ((members[cellGroups[i * perCell + j] as number] as number[]).length === 1) return true;
    return false;
  };
  const suppressedIn = new Int32Array(members.length);
  // Suppression only grows, so each marginal's cheapest published member only moves forward.
  const cursor = new Int32Array(members.length);
  const worklist: number[] = [];
  const suppress = (i: number) => {
    suppressed[i] = true;
    for (let j = 0; j < perCell; j++) {
      const g = cellGroups[i * perCell + j] as number;
      suppressedIn[g] = (suppressedIn[g] as number) + 1;
      // Counts only grow, so a marginal reaches exactly one at most once.
      if (suppressedIn[g] === 1) worklist.push(g);
    }
  };

  for (const [i, cell] of cells.entries()) {
    if (isPrimary(cell, minContributors, num, den)) suppress(i);
  }
  for (let head = 0; head < worklist.length; head++) {
    const g = worklist[head] as number;
    const list = members[g] as number[];
    if (suppressedIn[g] !== 1 || list.length < 2) continue;
    let c = cursor[g] as number;
    while (c < list.length && suppressed[list[c] as number]) c++;
    cursor[g] = c;
    // A cell alone in another marginal is that marginal's figure in the coarser table, so hiding
    // it here hides nothing: prefer the cheapest member that is not, if there is one.
    let pick = c;
    while (pick < list.length && (suppressed[list[pick] as number] || exposed(list[pick] as number))) pick++;
    const complement = list[pick < list.length ? pick : c];
    if (complement !== undefined) suppress(complement);
  }
  return suppressed;
}

/**
 * A table for the public: which rows to suppress (suppressCells), and whether the totals must go
 * too. The totals stay exact, but totals that themselves describe fewer than 3 contracts or are
 * dominated by one (a one-day query with a single registration) would show that contract's price,
 * so they are suppressed as a whole, and so is every row (the rows would add up to them).
 */
export function publicTable<R>(
  rows: readonly R[],
  totals: R,
  cellOf: (row: R) => DisclosureCell,
  options: DisclosureOptions = {},
): { rows: boolean[]; totals: boolean } {
  const { num, den } = dominanceRatio(options.dominance ?? 0.8);
  const totalsSuppressed = isPrimary(cellOf(totals), options.minContributors ?? 3, num, den);
  if (totalsSuppressed) return { rows: rows.map(() => true), totals: true };
  return { rows: suppressCells(rows.map(cellOf), options), totals: false };
}

function isPrimary(cell: DisclosureCell, minContributors: number, num: bigint, den: bigint): boolean {
  // A cell of no contract and no amount (nothing registered, or what was netted out entirely)
  // describes no one: an empty ledger's totals are published as zeros.
  if (cell.contributors === 0 && cell.measures.every((measure) => toBigInt(measure.value) === 0n)) return false;
  if (cell.contributors < minContributors) return true;
  return cell.measures.some((measure) => {
    const value = toBigInt(measure.value);
    // A zero or negative net amount has no share to be dominated by.
    return value > 0n && toBigInt(measure.largest) * den > value * num;
  });
}

function dominanceRatio(dominance: number | DominanceRatio): { num: bigint; den: bigint } {
  if (typeof dominance === "number") {
    if (!(dominance >= 0 && dominance <= 1)) throw new RangeError(`dominance must be within 0..1: ${dominance}`);
    return { num: BigInt(Math.round(dominance * DOMINANCE_SCALE)), den: BigInt(DOMINANCE_SCALE) };
  }
  const num = toBigInt(dominance.num);
  const den = toBigInt(dominance.den);
  if (den <= 0n || num < 0n || num > den) {
    throw new RangeError(`dominance must be a fraction within 0..1: ${num}/${den}`);
  }
  return { num, den };
}

function toBigInt(amount: bigint | number): bigint {
  if (typeof amount === "bigint") return amount;
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amounts must be integer fen: ${amount}`);
  return BigInt(amount);
}

/**
 * Names a cell's marginal for a mask (the dimensions summed over) by the codes of its other keys.
 * Interning each dimension's keys makes the name a mixed-radix number, far cheaper to hash than
 * the key text; only when the radices' product passes 2^53 does it fall back to joined codes.
 */
function codeKeys(cells: readonly DisclosureCell[], arity: number): (cell: number, mask: number) => number | string {
  const codes = new Int32Array(cells.length * arity);
  const radix: number[] = [];
  for (let d = 0; d < arity; d++) {
    const dictionary = new Map<string, number>();
    for (const [i, cell] of cells.entries()) {
      const key = cell.keys[d] as string;
      let code = dictionary.get(key);
      if (code === undefined) {
        code = dictionary.size;
        dictionary.set(key, code);
      }
      codes[i * arity + d] = code;
    }
    radix.push(dictionary.size);
  }
  const exact = radix.reduce((product, r) => product * r, 1) <= Number.MAX_SAFE_INTEGER;
  return (cell, mask) => {
    if (exact) {
      let name = 0;
      for (let d = 0; d < arity; d++) {
        if ((mask & (1 << d)) === 0) name = name * (radix[d] as number) + (codes[cell * arity + d] as number);
      }
      return name;
    }
    let name = "";
    for (let d = 0; d < arity; d++) {
      if ((mask & (1 << d)) === 0) name += `${codes[cell * arity + d]},`;
    }
    return name;
  };
}
