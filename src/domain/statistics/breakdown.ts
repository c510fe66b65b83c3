import type { DIMENSIONS } from "../../../contracts/statistics.ts";
import { chinaDate, quarterOf } from "../dates.ts";
import { ValidationError } from "../errors.ts";
import { cachedRead } from "../ledger/read-cache.ts";
import { MAX_ANSWER_GROUPS } from "../ledger/rollup-families.ts";
import { addFen } from "../money.ts";
import { turnYielder } from "../next-turn.ts";
import type { CategoryDimension, Deps, VolumeCell, VolumeFigures } from "../ports.ts";
import type { GoalAmount } from "./goal.ts";
import { byKeys } from "./rows.ts";

export type Dimension = (typeof DIMENSIONS)[number];
const PERIODS = new Set<Dimension>(["month", "quarter", "year"]);

export interface BreakdownRow extends VolumeFigures {
  keys: Partial<Record<Dimension, string>>;
  previousYear?: VolumeFigures;
  /** Change of the chosen amount against a year earlier, in basis points of a percent; null if that was zero. */
  changeBasisPoints?: bigint | null;
}

export interface BreakdownResult {
  from: string;
  to: string;
  groupBy: Dimension[];
  amount: GoalAmount;
  rows: BreakdownRow[];
  totals: VolumeFigures;
}

export interface BreakdownQuery {
  from?: string | undefined;
  to?: string | undefined;
  groupBy: Dimension[];
  amount: GoalAmount;
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

const shiftLabel = (label: string) => `${Number(label.slice(0, 4)) - 1}${label.slice(4)}`;

/** Sums cells into rows and totals with addFen: a sum past 2^53 fen is refused, never rounded. */
async function aggregate(cells: VolumeCell[], groupBy: Dimension[], yieldTurn: () => Promise<void>) {
  const rows = new Map<string, BreakdownRow>();
  const totals: VolumeFigures = { count: 0, totalFen: 0, technologyFen: 0 };
  const add = (into: VolumeFigures, cell: VolumeFigures) => {
    into.count += cell.count;
    into.totalFen = addFen(into.totalFen, cell.totalFen);
    into.technologyFen = addFen(into.technologyFen, cell.technologyFen);
  };
  for (let i = 0; i < cells.length; i++) {
    if ((i & 1023) === 1023) await yieldTurn();
    const cell = cells[i] as VolumeCell;
    const keys: Partial<Record<Dimension, string>> = {};
    for (const d of groupBy)
      keys[d] = PERIODS.has(d) ? periodLabel(d, cell.period ?? "") : cell.keys[d as CategoryDimension];
    const id = groupBy.map((d) => keys[d]).join("\u0000");
    const row = rows.get(id) ?? { keys, count: 0, totalFen: 0, technologyFen: 0 };
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
  return cachedRead(deps, "breakdown", { ...query, from, to }, today, () =>
    computeBreakdown(deps, { ...query, from, to }),
  );
}

async function computeBreakdown(
  deps: Pick<Deps, "store">,
  query: BreakdownQuery & { from: string; to: string },
): Promise<BreakdownResult> {
  const { from, to } = query;
  const categories = query.groupBy.filter((d): d is CategoryDimension => !PERIODS.has(d));
  const period = (["month", "quarter", "year"] as const).find((p) => query.groupBy.includes(p)) ?? null;
  const byPeriod = period !== null;
  const read = (f: string, t: string) =>
    deps.store.volumeBreakdown({ from: f, to: t, period, dimensions: categories, maxGroups: MAX_ANSWER_GROUPS });

  const yieldTurn = turnYielder();
  const current = await aggregate(await read(from, to), query.groupBy, yieldTurn);
  if (byPeriod) {
    const previous = (await aggregate(await read(yearEarlier(from), yearEarlier(to)), query.groupBy, yieldTurn)).rows;
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
    }
  }
  if (query.groupBy.length === 0) {
    const rows = [{ keys: {}, ...current.totals }];
    return { from, to, groupBy: query.groupBy, amount: query.amount, rows, totals: current.totals };
  }
  const rows = [...current.rows.values()]
    .filter((r) => r.count !== 0 || r.totalFen !== 0 || r.technologyFen !== 0)
    .sort(byKeys(query.groupBy));
  return { from, to, groupBy: query.groupBy, amount: query.amount, rows, totals: current.totals };
}
