import type { DIMENSIONS } from "../../../contracts/statistics.ts";
import { chinaDate, quarterOf } from "../dates.ts";
import { ValidationError } from "../errors.ts";
import { cachedRead } from "../ledger/read-cache.ts";
import { MAX_ANSWER_GROUPS } from "../ledger/rollup-families.ts";
import { addFen } from "../money.ts";
import { turnYielder } from "../next-turn.ts";
import type { CategoryDimension, Deps, VolumeCell, VolumeFigures } from "../ports.ts";
import { type Audience, publicTable } from "./disclosure.ts";
import type { GoalAmount } from "./goal.ts";
import { byKeys } from "./rows.ts";

export type Dimension = (typeof DIMENSIONS)[number];
const PERIODS = new Set<Dimension>(["month", "quarter", "year"]);

/** Figures with the magnitude of the largest entry behind them, which disclosure control tests. */
interface CellFigures extends VolumeFigures {
  largestTotalFen: number;
  largestTechnologyFen: number;
}

export interface BreakdownRow extends CellFigures {
  keys: Partial<Record<Dimension, string>>;
  previousYear?: VolumeFigures & { suppressed?: boolean };
  /** Change of the chosen amount against a year earlier, in basis points of a percent; null if that was zero. */
  changeBasisPoints?: bigint | null;
  /** Withheld from the public (disclosure control): the row keeps its keys only. */
  suppressed?: boolean;
}

export interface BreakdownResult {
  from: string;
  to: string;
  groupBy: Dimension[];
  amount: GoalAmount;
  rows: BreakdownRow[];
  totals: VolumeFigures;
  /** The totals themselves describe too few contracts, or one dominates them: withheld from the public. */
  totalsSuppressed?: boolean;
}

export interface BreakdownQuery {
  from?: string | undefined;
  to?: string | undefined;
  groupBy: Dimension[];
  amount: GoalAmount;
  /** "public" (the default) applies disclosure control; operators see every cell. */
  audience?: Audience;
}

/** A label of a coarser period from one of the finest grain asked for ("2025-07" → "2025-Q3"). */
const periodLabel = (dimension: Dimension, finest: string) => {
  if (dimension === "year") return finest.slice(0, 4);
  if (dimension === "quarter" && finest.length === 7 && finest.charAt(5) !== "Q") {
    return quarterOf(finest);
  }
  return finest;
};

/**
 * The same calendar day a year earlier. A month's last day maps to that month's last day (so
 * February 2025 compares with all of February 2024, the 29th included); 29 February to the 28th.
 */
export function yearEarlier(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const lastThen = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
  const lastNow = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const day = d === lastNow ? lastThen : Math.min(d, lastThen);
  return `${y - 1}-${String(m).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

const NO_FIGURES: CellFigures = {
  count: 0,
  totalFen: 0,
  technologyFen: 0,
  largestTotalFen: 0,
  largestTechnologyFen: 0,
};

/** A row as a cell of disclosure control's table: its keys, its contracts, both amounts. */
const disclosureCell = (groupBy: Dimension[]) => (row: CellFigures & { keys?: BreakdownRow["keys"] }) => ({
  keys: groupBy.map((d) => row.keys?.[d] ?? ""),
  // A net reversal (a negative count) describes a contract all the same: fewer than 3.
  contributors: Math.max(0, row.count),
  measures: [
    { value: row.totalFen, largest: row.largestTotalFen },
    { value: row.technologyFen, largest: row.largestTechnologyFen },
  ],
});

const shiftLabel = (label: string) => `${Number(label.slice(0, 4)) - 1}${label.slice(4)}`;

/** Sums cells into rows and totals with addFen: a sum past 2^53 fen is refused, never rounded. */
async function aggregate(cells: VolumeCell[], groupBy: Dimension[], yieldTurn: () => Promise<void>) {
  const rows = new Map<string, BreakdownRow>();
  const totals: CellFigures = { ...NO_FIGURES };
  const add = (into: CellFigures, cell: CellFigures) => {
    into.count += cell.count;
    into.totalFen = addFen(into.totalFen, cell.totalFen);
    into.technologyFen = addFen(into.technologyFen, cell.technologyFen);
    into.largestTotalFen = Math.max(into.largestTotalFen, cell.largestTotalFen);
    into.largestTechnologyFen = Math.max(into.largestTechnologyFen, cell.largestTechnologyFen);
  };
  for (let i = 0; i < cells.length; i++) {
    if ((i & 1023) === 1023) await yieldTurn();
    const cell = cells[i] as VolumeCell;
    const keys: Partial<Record<Dimension, string>> = {};
    for (const d of groupBy)
      keys[d] = PERIODS.has(d) ? periodLabel(d, cell.period ?? "") : cell.keys[d as CategoryDimension];
    const id = groupBy.map((d) => keys[d]).join("\u0000");
    const row = rows.get(id) ?? { keys, ...NO_FIGURES };
    add(row, cell);
    rows.set(id, row);
    add(totals, cell);
  }
  return { rows, totals };
}

/**
 * Registered volume net of reversals, grouped by any periods and dimensions, read from the
 * rollups. Totals are the sum of the same cells, so rows always add up to them exactly. Grouped
 * by a period, each row carries the same period a year earlier and the change.
 */
export async function contractBreakdown(
  deps: Pick<Deps, "store" | "market" | "clock" | "readCache">,
  query: BreakdownQuery,
): Promise<BreakdownResult> {
  const today = chinaDate(deps.clock.now());
  const from = query.from ?? deps.market.planGoal.startsOn;
  const to = query.to ?? today;
  if (from > to) {
    throw new ValidationError([
      query.from === undefined
        ? { pointer: "to", detail: `must not be before from (default ${from}, the plan goal's start)` }
        : { pointer: "from", detail: `must not be after to (default ${to}, today)` },
    ]);
  }
  const audience = query.audience ?? "public";
  return cachedRead(deps, "breakdown", { ...query, from, to, audience }, today, () =>
    computeBreakdown(deps, { ...query, from, to, audience }),
  );
}

async function computeBreakdown(
  deps: Pick<Deps, "store">,
  query: BreakdownQuery & { from: string; to: string; audience: Audience },
): Promise<BreakdownResult> {
  const { from, to } = query;
  const open = query.audience === "operator";
  const cellOf = disclosureCell(query.groupBy);
  const categories = query.groupBy.filter((d): d is CategoryDimension => !PERIODS.has(d));
  const period = (["month", "quarter", "year"] as const).find((p) => query.groupBy.includes(p)) ?? null;
  const byPeriod = period !== null;
  const read = (f: string, t: string) =>
    deps.store.volumeBreakdown({ from: f, to: t, period, dimensions: categories, maxGroups: MAX_ANSWER_GROUPS });

  const yieldTurn = turnYielder();
  const current = await aggregate(await read(from, to), query.groupBy, yieldTurn);
  if (byPeriod) {
    const earlier = await aggregate(await read(yearEarlier(from), yearEarlier(to)), query.groupBy, yieldTurn);
    const previous = earlier.rows;
    // The year-earlier figures are a table of their own, under the same rule.
    const hidden = new Set<BreakdownRow>();
    if (!open) {
      const list = [...previous.values()];
      const flags = publicTable(list, earlier.totals, cellOf);
      for (const [i, row] of list.entries()) if (flags.rows[i]) hidden.add(row);
    }
    let n = 0;
    for (const row of current.rows.values()) {
      if ((++n & 1023) === 0) await yieldTurn();
      const id = query.groupBy
        .map((d) => (PERIODS.has(d) ? shiftLabel(row.keys[d] ?? "") : row.keys[d]))
        .join("\u0000");
      const before = previous.get(id);
      row.previousYear = before
        ? { count: before.count, totalFen: before.totalFen, technologyFen: before.technologyFen }
        : { count: 0, totalFen: 0, technologyFen: 0 };
      const pick = (f: VolumeFigures) => BigInt(query.amount === "total" ? f.totalFen : f.technologyFen);
      const base = pick(row.previousYear);
      // A change against zero or against a net reversal (a negative figure) has no meaningful percentage.
      row.changeBasisPoints = base <= 0n ? null : ((pick(row) - base) * 10_000n) / base;
      if (before && hidden.has(before)) {
        // The change would give the hidden figure away from this row's.
        row.previousYear = { count: 0, totalFen: 0, technologyFen: 0, suppressed: true };
        row.changeBasisPoints = null;
      }
    }
  }
  const disclose = (rows: BreakdownRow[]) => {
    if (open) return { rows, totalsSuppressed: false };
    const flags = publicTable(rows, current.totals, cellOf);
    return {
      rows: rows.map((row, i) => (flags.rows[i] ? { ...row, suppressed: true } : row)),
      totalsSuppressed: flags.totals,
    };
  };
  const rows =
    query.groupBy.length === 0
      ? [{ keys: {}, ...current.totals }]
      : [...current.rows.values()]
          .filter((r) => r.count !== 0 || r.totalFen !== 0 || r.technologyFen !== 0)
          .sort(byKeys(query.groupBy));
  return { from, to, groupBy: query.groupBy, amount: query.amount, totals: current.totals, ...disclose(rows) };
}
