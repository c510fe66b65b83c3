import { CompiledQuery, type Kysely, type Selectable, sql } from "kysely";
import { quarterOf } from "../../src/domain/dates.ts";
import type { CategoryDimension, VolumeCell, VolumeFigures, VolumeQuery } from "../../src/domain/ports.ts";
import type { GoalRecord } from "../../src/domain/statistics/goal.ts";
import type { VolumeEntryRecord } from "../../src/domain/tech-contracts/tech-contract.ts";
import type { Database, GoalsTable, VolumeMonthlyTable } from "../schema.ts";
import { rollupsMatch } from "./rollup-check.ts";

/** API dimension → volume column, in the bit order of a cuboid mask (frozen by migration 0003). */
export const DIMENSION_COLUMNS: [CategoryDimension, string][] = [
  ["type", "type"],
  ["techField", "tech_field"],
  ["sellerKind", "seller_kind"],
  ["buyerKind", "buyer_kind"],
  ["ipType", "ip_type"],
  ["sellerRegion", "seller_region"],
  ["flow", "flow"],
];
const FULL = (1 << DIMENSION_COLUMNS.length) - 1;
const bitCount = (mask: number) => DIMENSION_COLUMNS.filter((_, i) => mask & (1 << i)).length;
/** The cuboids kept: every set of at most two dimensions, and the full set. */
export const CUBOIDS = [...Array.from({ length: FULL + 1 }, (_, m) => m).filter((m) => bitCount(m) <= 2), FULL];

function entryValues(entry: VolumeEntryRecord): string[] {
  return [entry.type, entry.techField, entry.sellerKind, entry.buyerKind, entry.ipType, entry.sellerRegion, entry.flow];
}

const UPSERT_MONTHLY = `INSERT INTO volume_monthly
  (cuboid, month, type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow, count, total_fen, technology_fen)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (cuboid, month, type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow) DO UPDATE SET
    count = count + excluded.count,
    total_fen = total_fen + excluded.total_fen,
    technology_fen = technology_fen + excluded.technology_fen`;

const UPSERT_DAILY = `INSERT INTO volume_daily (day, count, total_fen, technology_fen) VALUES (?, ?, ?, ?)
  ON CONFLICT (day) DO UPDATE SET
    count = count + excluded.count,
    total_fen = total_fen + excluded.total_fen,
    technology_fen = technology_fen + excluded.technology_fen`;

const UPSERT_PERIOD = `INSERT INTO volume_periods
  (cuboid, grain, period, type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow, count, total_fen, technology_fen)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (cuboid, grain, period, type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow) DO UPDATE SET
    count = count + excluded.count,
    total_fen = total_fen + excluded.total_fen,
    technology_fen = technology_fen + excluded.technology_fen`;

/** The dimension values a cuboid keeps; the others are ''. */
const kept = (mask: number, values: readonly string[]) => values.map((v, i) => (mask & (1 << i) ? v : ""));

/** A stored rollup row's dimension values, in cuboid bit order. */
const rowValues = (r: Omit<VolumeMonthlyTable, "cuboid" | "month" | "count" | "total_fen" | "technology_fen">) => [
  r.type,
  r.tech_field,
  r.seller_kind,
  r.buyer_kind,
  r.ip_type,
  r.seller_region,
  r.flow,
];

/** The rollup changes of one volume entry: they ride in the same atomic write as the entry. */
export function rollupQueries(entry: VolumeEntryRecord): CompiledQuery[] {
  const values = entryValues(entry);
  const month = entry.entryOn.slice(0, 7);
  const figures = [entry.count, entry.totalFen, entry.technologyFen];
  return [
    CompiledQuery.raw(UPSERT_DAILY, [entry.entryOn, ...figures]),
    ...CUBOIDS.flatMap((mask) => {
      const cell = kept(mask, values);
      const monthly = CompiledQuery.raw(UPSERT_MONTHLY, [mask, month, ...cell, ...figures]);
      if (mask === FULL) return [monthly];
      return [
        monthly,
        CompiledQuery.raw(UPSERT_PERIOD, [mask, "quarter", quarterOf(month), ...cell, ...figures]),
        CompiledQuery.raw(UPSERT_PERIOD, [mask, "year", month.slice(0, 4), ...cell, ...figures]),
      ];
    }),
  ];
}

/**
 * Statements that rebuild every rollup from the volume entries: for bulk loads (the benchmark's
 * million), and to repair rollups that verification found wrong. Run them in one batch.
 */
export function rebuildRollupQueries(): CompiledQuery[] {
  const columns = DIMENSION_COLUMNS.map(([, c]) => c);
  const keptColumns = (mask: number) => columns.map((c, i) => (mask & (1 << i) ? c : "''")).join(", ");
  const groupBy = (mask: number) =>
    columns
      .filter((_, i) => mask & (1 << i))
      .map((c) => `, ${c}`)
      .join("");
  return [
    "DELETE FROM volume_daily",
    "DELETE FROM volume_monthly",
    "DELETE FROM volume_periods",
    `INSERT INTO volume_daily SELECT entry_on, sum(count), sum(total_fen), sum(technology_fen) FROM volume_entries GROUP BY entry_on`,
    ...CUBOIDS.map(
      (mask) => `INSERT INTO volume_monthly
        SELECT ${mask}, substr(entry_on, 1, 7), ${keptColumns(mask)}, sum(count), sum(total_fen), sum(technology_fen)
        FROM volume_entries GROUP BY substr(entry_on, 1, 7)${groupBy(mask)}`,
    ),
    ...(["quarter", "year"] as const).map(
      (grain) => `INSERT INTO volume_periods
        SELECT cuboid, '${grain}', ${periodExpression(grain, "month")}, ${columns.join(", ")},
               sum(count), sum(total_fen), sum(technology_fen)
        FROM volume_monthly WHERE cuboid <> ${FULL}
        GROUP BY cuboid, ${periodExpression(grain, "month")}, ${columns.join(", ")}`,
    ),
  ].map((text) => CompiledQuery.raw(text));
}

export async function volumeTotals(db: Kysely<Database>, from: string, to: string): Promise<VolumeFigures> {
  const row = await db
    .selectFrom("volume_daily")
    .select((eb) => [
      eb.fn.sum<number>("count").as("count"),
      eb.fn.sum<number>("total_fen").as("total_fen"),
      eb.fn.sum<number>("technology_fen").as("technology_fen"),
    ])
    .where("day", ">=", from)
    .where("day", "<=", to)
    .executeTakeFirst();
  return {
    count: Number(row?.count ?? 0),
    totalFen: Number(row?.total_fen ?? 0),
    technologyFen: Number(row?.technology_fen ?? 0),
  };
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

type Source = "year" | "quarter" | "month" | "days";
const UNIT_MONTHS = { year: 12, quarter: 3, month: 1 } as const;

const monthIndex = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
const monthOf = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
const firstDay = (index: number) => `${monthOf(index)}-01`;
const lastDay = (index: number) =>
  new Date(Date.UTC(Math.floor(index / 12), (index % 12) + 1, 0)).toISOString().slice(0, 10);
const label = (unit: keyof typeof UNIT_MONTHS, index: number) =>
  unit === "year" ? monthOf(index).slice(0, 4) : unit === "quarter" ? quarterOf(monthOf(index)) : monthOf(index);

/**
 * Splits [from, to] into whole years, whole quarters and whole months (no coarser than the
 * grouping allows, since a year's cell cannot be split into months) and the days left at the ends.
 */
export function decompose(
  from: string,
  to: string,
  coarsest: keyof typeof UNIT_MONTHS,
): { source: Source; from: string; to: string }[] {
  if (from > to) return [];
  const units = (["year", "quarter", "month"] as const).slice(["year", "quarter", "month"].indexOf(coarsest));
  const unit = units[0];
  if (!unit) return [{ source: "days", from, to }];
  const size = UNIT_MONTHS[unit];
  const startIndex = monthIndex(from) + (from.endsWith("-01") ? 0 : 1);
  const endIndex = monthIndex(to) + (lastDay(monthIndex(to)) === to ? 1 : 0);
  const first = Math.ceil(startIndex / size) * size;
  const end = Math.floor(endIndex / size) * size;
  const finer = (f: string, t: string) =>
    unit === "month"
      ? f <= t
        ? [{ source: "days" as const, from: f, to: t }]
        : []
      : decompose(f, t, unit === "year" ? "quarter" : "month");
  if (first >= end) return finer(from, to);
  return [
    ...(from < firstDay(first) ? finer(from, lastDay(first - 1)) : []),
    { source: unit, from: label(unit, first), to: label(unit, end - size) },
    ...(lastDay(end - 1) < to ? finer(firstDay(end), to) : []),
  ];
}

/** SQL for a period label at the query's grain, from a month ("2025-07") column or expression. */
function periodExpression(grain: VolumeQuery["period"], month: string): string {
  if (grain === "year") return `substr(${month}, 1, 4)`;
  if (grain === "quarter")
    return `substr(${month}, 1, 4) || '-Q' || ((CAST(substr(${month}, 6, 2) AS INTEGER) + 2) / 3)`;
  return month;
}

/**
 * Cells read from the coarsest rollup that answers each part of the range; only the partial
 * months at the ends read volume entries (of those days, by index).
 */
export async function volumeBreakdown(db: Kysely<Database>, query: VolumeQuery): Promise<VolumeCell[]> {
  const chosen = DIMENSION_COLUMNS.filter(([d]) => query.dimensions.includes(d));
  const mask =
    chosen.length <= 2 ? chosen.reduce((m, [d]) => m | (1 << DIMENSION_COLUMNS.findIndex(([x]) => x === d)), 0) : FULL;
  const columns = chosen.map(([, c]) => c);
  const coarsest =
    mask === FULL || query.period === "month" ? "month" : query.period === "quarter" ? "quarter" : "year";
  const cells: VolumeCell[] = [];
  for (const segment of decompose(query.from, query.to, coarsest)) {
    let periodSql: string;
    let source: string;
    let where: ReturnType<typeof sql>;
    if (segment.source === "year" || segment.source === "quarter") {
      periodSql = query.period === "year" && segment.source === "quarter" ? "substr(period, 1, 4)" : "period";
      source = "volume_periods";
      where = sql`cuboid = ${mask} AND grain = ${segment.source} AND period >= ${segment.from} AND period <= ${segment.to}`;
    } else if (segment.source === "month") {
      periodSql = periodExpression(query.period, "month");
      source = "volume_monthly";
      where = sql`cuboid = ${mask} AND month >= ${segment.from} AND month <= ${segment.to}`;
    } else {
      periodSql = periodExpression(query.period, "substr(entry_on, 1, 7)");
      source = "volume_entries";
      where = sql`entry_on >= ${segment.from} AND entry_on <= ${segment.to}`;
    }
    const select = [
      ...(query.period ? [`${periodSql} AS period`] : []),
      ...columns,
      "sum(count) AS count",
      "sum(total_fen) AS total_fen",
      "sum(technology_fen) AS technology_fen",
    ].join(", ");
    const groupBy = [...(query.period ? ["period"] : []), ...columns];
    const result = await sql<Record<string, unknown>>`
      SELECT ${sql.raw(select)} FROM ${sql.table(source)} WHERE ${where}
      ${sql.raw(groupBy.length ? `GROUP BY ${groupBy.join(", ")}` : "")}`.execute(db);
    for (const row of result.rows) {
      if (row.count === null) continue;
      const keys: Partial<Record<CategoryDimension, string>> = {};
      for (const [d, c] of chosen) keys[d] = String(row[c]);
      cells.push({
        ...(query.period ? { period: String(row.period) } : {}),
        keys,
        count: Number(row.count),
        totalFen: Number(row.total_fen),
        technologyFen: Number(row.technology_fen),
      });
    }
  }
  return cells;
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
 * Lists every rollup cell that differs from a recomputation from the volume entries. The fast
 * check (rollup-check.ts) answers "all equal" from indexes without reading the entries into JS;
 * only if it finds a difference does the exact recomputation below run, to name the cells.
 */
export async function checkRollups(db: Kysely<Database>, limit = 20): Promise<string[]> {
  if (
    await rollupsMatch(
      db,
      DIMENSION_COLUMNS.map(([, c]) => c),
      CUBOIDS,
    )
  )
    return [];
  return recomputeRollups(db, limit);
}

/**
 * Recomputes every rollup from the volume entries in one pass (the full cuboid and the days),
 * derives the smaller cuboids from the full one, and lists every cell that differs from what is
 * stored. Cost: one read of the entries and of the rollups.
 */
export async function recomputeRollups(db: Kysely<Database>, limit = 20): Promise<string[]> {
  const full = new Map<string, [number, number, number]>();
  const daily = new Map<string, [number, number, number]>();
  const add = (map: Map<string, [number, number, number]>, key: string, c: number, t: number, k: number) => {
    const cell = map.get(key);
    if (cell) {
      cell[0] += c;
      cell[1] += t;
      cell[2] += k;
    } else map.set(key, [c, t, k]);
  };
  let after = "";
  for (;;) {
    const page = await db
      .selectFrom("volume_entries")
      .selectAll()
      .where("id", ">", after)
      .orderBy("id")
      .limit(20_000)
      .execute();
    for (const e of page) {
      add(full, `${e.entry_on.slice(0, 7)}|${rowValues(e).join("|")}`, e.count, e.total_fen, e.technology_fen);
      add(daily, e.entry_on, e.count, e.total_fen, e.technology_fen);
    }
    const last = page.at(-1);
    if (!last || page.length < 20_000) break;
    after = last.id;
  }
  const expected = new Map<string, [number, number, number]>();
  for (const [key, [c, t, k]] of full) {
    const [month, ...values] = key.split("|");
    for (const mask of CUBOIDS) {
      add(expected, `${mask}|${month}|${kept(mask, values).join("|")}`, c, t, k);
    }
  }
  const periods = new Map<string, [number, number, number]>();
  for (const [key, [c, t, k]] of expected) {
    const [mask, month, ...values] = key.split("|");
    if (Number(mask) === FULL || !month) continue;
    add(periods, `${mask}|quarter|${quarterOf(month)}|${values.join("|")}`, c, t, k);
    add(periods, `${mask}|year|${month.slice(0, 4)}|${values.join("|")}`, c, t, k);
  }
  const problems: string[] = [];
  const note = (text: string) => {
    if (problems.length < limit) problems.push(text);
  };
  const stored = await db.selectFrom("volume_monthly").selectAll().execute();
  for (const r of stored) {
    const key = `${r.cuboid}|${r.month}|${rowValues(r).join("|")}`;
    const want = expected.get(key) ?? [0, 0, 0];
    expected.delete(key);
    if (want[0] !== r.count || want[1] !== r.total_fen || want[2] !== r.technology_fen) {
      note(`monthly rollup ${key} holds ${r.count}/${r.total_fen}/${r.technology_fen}, entries give ${want.join("/")}`);
    }
  }
  for (const [key, want] of expected) {
    if (want[0] !== 0 || want[1] !== 0 || want[2] !== 0)
      note(`monthly rollup ${key} is missing (entries give ${want.join("/")})`);
  }
  for (const r of await db.selectFrom("volume_periods").selectAll().execute()) {
    const key = `${r.cuboid}|${r.grain}|${r.period}|${rowValues(r).join("|")}`;
    const want = periods.get(key) ?? [0, 0, 0];
    periods.delete(key);
    if (want[0] !== r.count || want[1] !== r.total_fen || want[2] !== r.technology_fen) {
      note(`period rollup ${key} holds ${r.count}/${r.total_fen}/${r.technology_fen}, entries give ${want.join("/")}`);
    }
  }
  for (const [key, want] of periods) {
    if (want[0] !== 0 || want[1] !== 0 || want[2] !== 0)
      note(`period rollup ${key} is missing (entries give ${want.join("/")})`);
  }
  const days = await db.selectFrom("volume_daily").selectAll().execute();
  for (const r of days) {
    const want = daily.get(r.day) ?? [0, 0, 0];
    daily.delete(r.day);
    if (want[0] !== r.count || want[1] !== r.total_fen || want[2] !== r.technology_fen) {
      note(`daily rollup ${r.day} holds ${r.count}/${r.total_fen}/${r.technology_fen}, entries give ${want.join("/")}`);
    }
  }
  for (const [day, want] of daily) {
    if (want[0] !== 0 || want[1] !== 0 || want[2] !== 0)
      note(`daily rollup ${day} is missing (entries give ${want.join("/")})`);
  }
  return problems;
}
