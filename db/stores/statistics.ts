import { CompiledQuery, type Kysely, type Selectable, sql } from "kysely";
import type { GoalRecord } from "../../src/domain/goal.ts";
import type { CategoryDimension, DailyVolume, VolumeCell, VolumeQuery } from "../../src/domain/ports.ts";
import type { VolumeEntryRecord } from "../../src/domain/tech-contract.ts";
import type { Database, GoalsTable } from "../schema.ts";

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

/** The rollup changes of one volume entry: they ride in the same atomic write as the entry. */
export function rollupQueries(entry: VolumeEntryRecord): CompiledQuery[] {
  const values = entryValues(entry);
  const month = entry.entryOn.slice(0, 7);
  const figures = [entry.count, entry.totalFen, entry.technologyFen];
  return [
    CompiledQuery.raw(UPSERT_DAILY, [entry.entryOn, ...figures]),
    ...CUBOIDS.map((mask) =>
      CompiledQuery.raw(UPSERT_MONTHLY, [mask, month, ...values.map((v, i) => (mask & (1 << i) ? v : "")), ...figures]),
    ),
  ];
}

export async function dailyVolume(db: Kysely<Database>, from: string, to: string): Promise<DailyVolume[]> {
  const rows = await db
    .selectFrom("volume_daily")
    .selectAll()
    .where("day", ">=", from)
    .where("day", "<=", to)
    .orderBy("day")
    .execute();
  return rows.map((r) => ({ day: r.day, count: r.count, totalFen: r.total_fen, technologyFen: r.technology_fen }));
}

const lastDayOf = (month: string) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
};
const shiftMonth = (month: string, by: number) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + by, 1)).toISOString().slice(0, 7);
};

/**
 * Whole months come from the monthly cuboids (cost independent of how many contracts there are);
 * the partial months at either end come from the volume entries of those days, by index.
 */
export function splitRange(from: string, to: string) {
  const firstFull = from.endsWith("-01") ? from.slice(0, 7) : shiftMonth(from.slice(0, 7), 1);
  const lastFull = lastDayOf(to.slice(0, 7)) === to ? to.slice(0, 7) : shiftMonth(to.slice(0, 7), -1);
  if (firstFull > lastFull) return { months: null, days: [[from, to]] as [string, string][] };
  const days: [string, string][] = [];
  if (from < `${firstFull}-01`) days.push([from, lastDayOf(shiftMonth(firstFull, -1))]);
  if (to > lastDayOf(lastFull)) days.push([`${shiftMonth(lastFull, 1)}-01`, to]);
  return { months: [firstFull, lastFull] as [string, string], days };
}

export async function volumeBreakdown(db: Kysely<Database>, query: VolumeQuery): Promise<VolumeCell[]> {
  const chosen = DIMENSION_COLUMNS.filter(([d]) => query.dimensions.includes(d));
  const mask =
    chosen.length <= 2 ? chosen.reduce((m, [d]) => m | (1 << DIMENSION_COLUMNS.findIndex(([x]) => x === d)), 0) : FULL;
  const columns = chosen.map(([, c]) => c);
  const { months, days } = splitRange(query.from, query.to);
  const cells: VolumeCell[] = [];
  const collect = (rows: Record<string, unknown>[]) => {
    for (const row of rows) {
      const keys: Partial<Record<CategoryDimension, string>> = {};
      for (const [d, c] of chosen) keys[d] = String(row[c]);
      cells.push({
        ...(query.byMonth ? { month: String(row.month) } : {}),
        keys,
        count: Number(row.count),
        totalFen: Number(row.total_fen),
        technologyFen: Number(row.technology_fen),
      });
    }
  };
  const groupBy = [...(query.byMonth ? ["month"] : []), ...columns];
  const select = (monthExpr: string) =>
    sql.raw(
      [
        ...(query.byMonth ? [`${monthExpr} AS month`] : []),
        ...columns,
        "sum(count) AS count",
        "sum(total_fen) AS total_fen",
        "sum(technology_fen) AS technology_fen",
      ].join(", "),
    );
  const grouping = groupBy.length ? sql.raw(`GROUP BY ${groupBy.join(", ")}`) : sql.raw("");
  if (months) {
    const result = await sql<Record<string, unknown>>`
      SELECT ${select("month")} FROM volume_monthly
      WHERE cuboid = ${mask} AND month >= ${months[0]} AND month <= ${months[1]} ${grouping}`.execute(db);
    collect(result.rows.filter((r) => r.count !== null));
  }
  for (const [dayFrom, dayTo] of days) {
    const result = await sql<Record<string, unknown>>`
      SELECT ${select("substr(entry_on, 1, 7)")} FROM volume_entries
      WHERE entry_on >= ${dayFrom} AND entry_on <= ${dayTo} ${grouping}`.execute(db);
    collect(result.rows.filter((r) => r.count !== null));
  }
  return cells;
}

function toGoal(row: Selectable<GoalsTable>): GoalRecord {
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

export { toGoal };

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
 * Recomputes every rollup from the volume entries in one pass (the full cuboid and the days),
 * derives the smaller cuboids from the full one, and lists every cell that differs from what is
 * stored. Cost: one read of the entries and of the rollups.
 */
export async function checkRollups(db: Kysely<Database>, limit = 20): Promise<string[]> {
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
      const values = [e.type, e.tech_field, e.seller_kind, e.buyer_kind, e.ip_type, e.seller_region, e.flow];
      add(full, `${e.entry_on.slice(0, 7)}|${values.join("|")}`, e.count, e.total_fen, e.technology_fen);
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
      add(expected, `${mask}|${month}|${values.map((v, i) => (mask & (1 << i) ? v : "")).join("|")}`, c, t, k);
    }
  }
  const problems: string[] = [];
  const note = (text: string) => {
    if (problems.length < limit) problems.push(text);
  };
  const stored = await db.selectFrom("volume_monthly").selectAll().execute();
  for (const r of stored) {
    const key = `${r.cuboid}|${r.month}|${[r.type, r.tech_field, r.seller_kind, r.buyer_kind, r.ip_type, r.seller_region, r.flow].join("|")}`;
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
