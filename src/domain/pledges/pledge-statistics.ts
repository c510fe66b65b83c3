import { type PLEDGE_DIMENSIONS, PLEDGE_GRAINS } from "../../../contracts/pledges.ts";
import { chinaDate } from "../dates.ts";
import { cachedRead } from "../ledger/read-cache.ts";
import { MAX_ANSWER_GROUPS } from "../ledger/rollup-families.ts";
import type { Deps, PledgorCountQuery } from "../ports.ts";
import { type Audience, publicTable } from "../statistics/disclosure.ts";
import { byKeys, shareOf } from "../statistics/rows.ts";

export type PledgeDimension = (typeof PLEDGE_DIMENSIONS)[number];
type Grain = (typeof PLEDGE_GRAINS)[number];
type CategoryDimension = PledgorCountQuery["dimensions"][number];

export interface PledgeFigures {
  count: number;
  securedFen: number;
  pledgorCount: number;
}

/** The largest single entry behind the figures (disclosure control), and whether they are withheld. */
interface Disclosed {
  largestFen: number;
  suppressed?: boolean;
}

export interface PledgeStatisticsResult {
  from: string;
  to: string;
  groupBy: PledgeDimension[];
  rows: ({ keys: Partial<Record<PledgeDimension, string>>; pledgeeName?: string } & PledgeFigures & Disclosed)[];
  totals: PledgeFigures & { smallCount: number } & Disclosed;
}

export interface PledgeStatisticsQuery {
  from?: string | undefined;
  to?: string | undefined;
  groupBy: PledgeDimension[];
  /** "public" (the default) applies disclosure control; operators see every cell. */
  audience?: Audience;
}

/** Before any pledge this registry can hold. */
const EARLIEST = "2000-01-01";
const GRAINS: readonly string[] = PLEDGE_GRAINS;

/**
 * Pledge financing over days from..to, by period and dimensions, from the pledge family's
 * rollups: registrations, net of releases and of registered changes (each counted on the day it
 * was registered). Distinct pledgors are counted from the entries (a distinct count does not add
 * up across cells), and the totals' small share from the size band's cells.
 */
export async function pledgeStatistics(
  deps: Pick<Deps, "store" | "clock" | "readCache">,
  query: PledgeStatisticsQuery,
): Promise<PledgeStatisticsResult> {
  const today = chinaDate(deps.clock.now());
  const from = query.from ?? EARLIEST;
  const to = query.to ?? today;
  const audience = query.audience ?? "public";
  return cachedRead(deps, "pledge-statistics", { ...query, from, to, audience }, today, async () => {
    const grain = (query.groupBy.find((d) => GRAINS.includes(d)) ?? null) as Grain | null;
    const dimensions = query.groupBy.filter((d): d is CategoryDimension => !GRAINS.includes(d));
    const grouping = { from, to, period: grain, dimensions };
    const [cells, pledgors, totalPledgors, bands] = await Promise.all([
      deps.store.rollupBreakdown("pledge_entry", { ...grouping, maxGroups: MAX_ANSWER_GROUPS }),
      deps.store.pledgorCounts(grouping),
      deps.store.pledgorCounts({ from, to, period: null, dimensions: [] }),
      deps.store.rollupBreakdown("pledge_entry", { from, to, period: null, dimensions: ["sizeBand"] }),
    ]);
    const idOf = (period: string | undefined, keys: Record<string, string>) =>
      query.groupBy.map((d) => (d === grain ? (period ?? "") : keys[d])).join("\u0000");
    const rows = new Map<string, PledgeStatisticsResult["rows"][number]>();
    const totals: PledgeStatisticsResult["totals"] = {
      count: 0,
      securedFen: 0,
      pledgorCount: totalPledgors[0]?.pledgors ?? 0,
      smallCount: 0,
      largestFen: 0,
    };
    for (const cell of cells) {
      const id = idOf(cell.period, cell.keys);
      const keys: Partial<Record<PledgeDimension, string>> = {};
      for (const d of query.groupBy) keys[d] = d === grain ? (cell.period ?? "") : cell.keys[d];
      const row = rows.get(id) ?? { keys, count: 0, securedFen: 0, pledgorCount: 0, largestFen: 0 };
      row.count += cell.figures[0] ?? 0;
      row.securedFen += cell.figures[1] ?? 0;
      row.largestFen = Math.max(row.largestFen, cell.largest[0] ?? 0);
      rows.set(id, row);
      totals.count += cell.figures[0] ?? 0;
      totals.securedFen += cell.figures[1] ?? 0;
      totals.largestFen = Math.max(totals.largestFen, cell.largest[0] ?? 0);
    }
    for (const cell of pledgors) {
      const row = rows.get(idOf(cell.period, cell.keys));
      if (row) row.pledgorCount = cell.pledgors;
    }
    for (const band of bands) if (band.keys.sizeBand === "small") totals.smallCount += band.figures[0] ?? 0;
    if (dimensions.includes("pledgee")) {
      const names = new Map<string, string>();
      for (const row of rows.values()) {
        const id = row.keys.pledgee ?? "";
        if (!names.has(id)) names.set(id, (await deps.store.findOrganization(id))?.name ?? "");
        row.pledgeeName = names.get(id) ?? "";
      }
    }
    const sorted = [...rows.values()].filter((r) => r.count !== 0 || r.securedFen !== 0).sort(byKeys(query.groupBy));
    const table = query.groupBy.length === 0 ? [{ keys: {}, ...figuresOf(totals) }] : sorted;
    if (audience === "operator") return { from, to, groupBy: query.groupBy, rows: table, totals };
    const cellOf = (row: PledgeFigures & Disclosed & { keys?: Partial<Record<PledgeDimension, string>> }) => ({
      keys: query.groupBy.map((d) => row.keys?.[d] ?? ""),
      contributors: Math.max(0, row.count),
      measures: [{ value: row.securedFen, largest: row.largestFen }],
    });
    const flags = publicTable(table, totals, cellOf);
    return {
      from,
      to,
      groupBy: query.groupBy,
      rows: table.map((row, i) => (flags.rows[i] ? { ...row, suppressed: true } : row)),
      totals: flags.totals ? { ...totals, suppressed: true } : totals,
    };
  });
}

const figuresOf = ({ count, securedFen, pledgorCount, largestFen }: PledgeFigures & Disclosed) => ({
  count,
  securedFen,
  pledgorCount,
  largestFen,
});

/** Small pledges / all pledges (net counts), four decimals, truncated; null for none. */
export function smallShare(totals: { count: number; smallCount: number }): string | null {
  return shareOf(totals.smallCount, totals.count);
}
