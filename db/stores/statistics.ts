import { type Kysely, type Selectable, sql } from "kysely";
import { ROLLUP_FAMILIES } from "../../src/domain/ledger/rollup-families.ts";
import type { VolumeCell, VolumeFigures, VolumeQuery } from "../../src/domain/ports.ts";
import type { GoalRecord } from "../../src/domain/statistics/goal.ts";
import type { Database, GoalsTable } from "../schema.ts";
import { pledgeRightProblems } from "./pledges.ts";
import { grossProblems, recomputeRollups, rollupsMatch } from "./rollup-check.ts";
import { dailyTotals, familyTables, rollupBreakdown } from "./rollups.ts";

const VOLUME = ROLLUP_FAMILIES.volume_entry;

export async function volumeTotals(db: Kysely<Database>, from: string, to: string): Promise<VolumeFigures> {
  const [count = 0, totalFen = 0, technologyFen = 0] = await dailyTotals(db, VOLUME, from, to);
  return { count, totalFen, technologyFen };
}

/** One pass of a window function over the days (a few thousand rows at most, whatever the volume). */
export async function reachedOn(
  db: Kysely<Database>,
  from: string,
  to: string,
  amount: "total" | "technology",
  targetFen: number,
): Promise<string | null> {
  const column = sql.raw(amount === "total" ? "total_fen" : "technology_fen");
  // One pass: each day's running total, and the last day before it that was below the target.
  const result = await sql<{ day: string | null }>`
    SELECT day FROM (
      SELECT day, running, max(CASE WHEN running < ${targetFen} THEN day END) OVER () AS last_below,
             last_value(running) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS final
      FROM (SELECT day, sum(${column}) OVER (ORDER BY day) AS running FROM volume_daily WHERE day >= ${from} AND day <= ${to})
    )
    WHERE final >= ${targetFen} AND running >= ${targetFen} AND (last_below IS NULL OR day > last_below)
    ORDER BY day LIMIT 1`.execute(db);
  return result.rows[0]?.day ?? null;
}

/** Net registered volume by period and dimensions, from the volume family's rollups. */
export async function volumeBreakdown(
  db: Kysely<Database>,
  query: VolumeQuery,
  splitStatements = true,
): Promise<VolumeCell[]> {
  return (await rollupBreakdown(db, VOLUME, query, splitStatements)).map((cell) => ({
    ...(cell.period === undefined ? {} : { period: cell.period }),
    keys: cell.keys,
    count: cell.figures[0] ?? 0,
    totalFen: cell.figures[1] ?? 0,
    technologyFen: cell.figures[2] ?? 0,
    largestTotalFen: cell.largest[0] ?? 0,
    largestTechnologyFen: cell.largest[1] ?? 0,
  }));
}

export function toGoal(row: Selectable<GoalsTable>): GoalRecord {
  return {
    id: row.id,
    name: row.name,
    targetFen: row.target_fen,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    amount: row.amount as GoalRecord["amount"],
    createdAt: row.created_at,
  };
}

export function insertGoal(db: Kysely<Database>, g: GoalRecord) {
  if (g.createdAt === null) throw new Error("only goals added through the ledger are stored");
  return db
    .insertInto("goals")
    .values({
      id: g.id,
      name: g.name,
      target_fen: g.targetFen,
      starts_on: g.startsOn,
      ends_on: g.endsOn,
      amount: g.amount,
      created_at: g.createdAt,
    })
    .compile();
}

export async function listGoals(db: Kysely<Database>): Promise<GoalRecord[]> {
  return (await db.selectFrom("goals").selectAll().orderBy("id").execute()).map(toGoal);
}

/**
 * Lists every rollup cell, of every family, that differs from a recomputation from its entries.
 * The fast check (rollup-check.ts) answers "all equal" from indexes without reading the entries
 * into JS; only where it finds a difference does the exact recomputation run, to name the cells.
 */
export async function checkRollups(db: Kysely<Database>, limit = 20): Promise<string[]> {
  const problems: string[] = [];
  for (const family of Object.values(ROLLUP_FAMILIES)) {
    const t = familyTables(family);
    // The gross first: a wrong gross lifts the bound that keeps every sum exact.
    problems.push(...(await grossProblems(db, t)));
    if (!(await rollupsMatch(db, t))) problems.push(...(await recomputeRollups(db, t, limit)));
  }
  // Derived like a rollup: the index of held rights that refuses a double pledge.
  problems.push(...(await pledgeRightProblems(db, limit)));
  return problems.slice(0, limit);
}
