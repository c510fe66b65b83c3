import type { ACHIEVEMENT_DIMENSIONS } from "../../../contracts/achievements.ts";
import { chinaDate } from "../dates.ts";
import { cachedRead } from "../ledger/read-cache.ts";
import { MAX_ANSWER_GROUPS } from "../ledger/rollup-families.ts";
import type { Deps } from "../ports.ts";
import { type Audience, publicTable } from "../statistics/disclosure.ts";
import { byKeys, shareOf } from "../statistics/rows.ts";

export type AchievementDimension = (typeof ACHIEVEMENT_DIMENSIONS)[number];

export interface AchievementFigures {
  registered: number;
  converted: number;
}

export interface AchievementStatisticsResult {
  from: string;
  to: string;
  groupBy: AchievementDimension[];
  rows: ({ keys: Partial<Record<AchievementDimension, string>>; suppressed?: boolean } & AchievementFigures)[];
  totals: AchievementFigures & { suppressed?: boolean };
}

export interface AchievementStatisticsQuery {
  from?: string | undefined;
  to?: string | undefined;
  groupBy: AchievementDimension[];
  /** "public" (the default) applies disclosure control; operators see every cell. */
  audience?: Audience;
}

/**
 * A cell as disclosure control sees it: a conversion is a registered contract, so a cell of one or
 * two converted achievements tells who contracted; a cell with none describes no contract (and is
 * published, disclosure.ts).
 */
const cellOf =
  (groupBy: AchievementDimension[]) =>
  (row: AchievementFigures & { keys?: Partial<Record<AchievementDimension, string>> }) => ({
    keys: groupBy.map((d) => row.keys?.[d] ?? ""),
    contributors: Math.max(0, row.converted),
    measures: [],
  });

/** Before any registration this registry can hold. */
const EARLIEST = "1949-10-01";

/**
 * Registered achievements and those of them converted (named by at least one registered
 * contract), by the period they were registered in and any dimensions, from the achievement
 * family's rollups. Figures are the cohort's state now: a later conversion or withdrawal changes
 * the row of the period the achievement was registered in.
 */
export async function achievementStatistics(
  deps: Pick<Deps, "store" | "clock" | "readCache">,
  query: AchievementStatisticsQuery,
): Promise<AchievementStatisticsResult> {
  const today = chinaDate(deps.clock.now());
  const from = query.from ?? EARLIEST;
  const to = query.to ?? today;
  const audience = query.audience ?? "public";
  return cachedRead(deps, "achievement-statistics", { ...query, from, to, audience }, today, async () => {
    const dimensions = query.groupBy.filter((d) => d !== "year");
    const byYear = query.groupBy.includes("year");
    const cells = await deps.store.rollupBreakdown("achievement_entry", {
      from,
      to,
      period: byYear ? "year" : null,
      dimensions,
      maxGroups: MAX_ANSWER_GROUPS,
    });
    const rows = new Map<string, AchievementStatisticsResult["rows"][number]>();
    const totals: AchievementFigures = { registered: 0, converted: 0 };
    for (const cell of cells) {
      const keys: Partial<Record<AchievementDimension, string>> = {};
      for (const d of query.groupBy) keys[d] = d === "year" ? (cell.period ?? "") : cell.keys[d];
      const id = query.groupBy.map((d) => keys[d]).join("\u0000");
      const row = rows.get(id) ?? { keys, registered: 0, converted: 0 };
      row.registered += cell.figures[0] ?? 0;
      row.converted += cell.figures[1] ?? 0;
      rows.set(id, row);
      totals.registered += cell.figures[0] ?? 0;
      totals.converted += cell.figures[1] ?? 0;
    }
    const sorted = [...rows.values()]
      .filter((r) => r.registered !== 0 || r.converted !== 0)
      .sort(byKeys(query.groupBy));
    const table = query.groupBy.length === 0 ? [{ keys: {}, ...totals }] : sorted;
    if (audience === "operator") return { from, to, groupBy: query.groupBy, rows: table, totals };
    const flags = publicTable(table, totals, cellOf(query.groupBy));
    return {
      from,
      to,
      groupBy: query.groupBy,
      rows: table.map((row, i) => (flags.rows[i] ? { ...row, suppressed: true } : row)),
      totals: flags.totals ? { ...totals, suppressed: true } : totals,
    };
  });
}

/** converted / registered with four decimals, truncated; null for none. */
export function conversionRate(f: AchievementFigures): string | null {
  return shareOf(f.converted, f.registered);
}
