import { CompiledQuery, type Kysely, sql } from "kysely";
import { quarterOf } from "../../src/domain/dates.ts";
import { AnswerTooLargeError } from "../../src/domain/errors.ts";
import {
  cuboidsOf,
  type RollupCell,
  type RollupFamily,
  type RollupQuery,
} from "../../src/domain/ledger/rollup-families.ts";
import { turnYielder } from "../../src/domain/next-turn.ts";
import type { Database } from "../schema.ts";

/**
 * Everything a rollup family needs in SQL, derived from its description once: table and column
 * names by convention (fields in snake_case), and its write statements' text.
 */
export interface FamilyTables {
  family: RollupFamily;
  entries: string;
  daily: string;
  monthly: string;
  periods: string;
  /** [field, column], in cuboid bit order. */
  dimensions: [string, string][];
  measures: [string, string][];
  /** [measure column, its largest-entry column] of the family's `largest` measures (monthly and period cells only). */
  largest: [string, string][];
  cuboids: number[];
  full: number;
  writes: { daily: string; monthly: string; periods: string; gross: string };
  /** The same changes for every entry written with event seqs in [?, ?], summed per cell in SQL. */
  batchWrites: { daily: string; monthly: string; periods: string; gross: string };
}

/** The largest exact integer of a JavaScript number: no sum of a family may pass it (migration 0011). */
export const GROSS_LIMIT = Number.MAX_SAFE_INTEGER;
/** The CHECK that refuses a write taking a family's gross past GROSS_LIMIT. */
export const GROSS_CONSTRAINT = "rollup_gross_exact";

export const snakeCase = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const tablesByFamily = new WeakMap<RollupFamily, FamilyTables>();

export function familyTables(family: RollupFamily): FamilyTables {
  const known = tablesByFamily.get(family);
  if (known) return known;
  const dimensions = family.dimensions.map((f): [string, string] => [f, snakeCase(f)]);
  const measures = family.measures.map((f): [string, string] => [f, snakeCase(f)]);
  const largest = (family.largest ?? []).map((f): [string, string] => [snakeCase(f), `largest_${snakeCase(f)}`]);
  const { cuboids, full } = cuboidsOf(family);
  const names = {
    entries: `${family.name}_entries`,
    daily: `${family.name}_daily`,
    monthly: `${family.name}_monthly`,
    periods: `${family.name}_periods`,
  };
  const dims = dimensions.map(([, c]) => c);
  const meas = measures.map(([, c]) => c);
  // One row of values, bound once, fanned out to every cuboid in SQL: three statements per entry
  // whatever the number of cuboids (a statement per cell cost more than the entry's own insert).
  const values = `WITH v (day, month, quarter, year, ${[...dims, ...meas].join(", ")}) AS (VALUES (${Array.from(
    { length: 4 + dims.length + meas.length },
    () => "?",
  ).join(", ")}))`;
  const kept = dims.map((c, i) => `CASE WHEN m.column1 & ${1 << i} THEN v.${c} ELSE '' END`).join(", ");
  const add = meas.map((c) => `${c} = ${c} + excluded.${c}`).join(", ");
  const vMeasures = meas.map((c) => `v.${c}`).join(", ");
  // Cells also keep their largest entry: the magnitude, never lowered (see RollupFamily.largest).
  const big = largest.map(([, l]) => `, ${l}`).join("");
  const vBig = largest.map(([c]) => `, abs(v.${c})`).join("");
  const keepBig = largest.map(([, l]) => `, ${l} = max(${l}, excluded.${l})`).join("");
  const masks = (list: number[]) => list.map((m) => `(${m})`).join(", ");
  const writes = {
    daily: `${values} INSERT INTO ${names.daily} (day, ${meas.join(", ")})
      SELECT day, ${vMeasures} FROM v WHERE true
      ON CONFLICT (day) DO UPDATE SET ${add}`,
    monthly: `${values} INSERT INTO ${names.monthly} (cuboid, month, ${dims.join(", ")}, ${meas.join(", ")}${big})
      SELECT m.column1, v.month, ${kept}, ${vMeasures}${vBig} FROM v, (VALUES ${masks(cuboids)}) AS m WHERE true
      ON CONFLICT (cuboid, month, ${dims.join(", ")}) DO UPDATE SET ${add}${keepBig}`,
    periods: `${values} INSERT INTO ${names.periods} (cuboid, grain, period, ${dims.join(", ")}, ${meas.join(", ")}${big})
      SELECT m.column1, g.column1, CASE g.column1 WHEN 'year' THEN v.year ELSE v.quarter END, ${kept}, ${vMeasures}${vBig}
      FROM v, (VALUES ${masks(cuboids.filter((m) => m !== full))}) AS m, (VALUES ('quarter'), ('year')) AS g WHERE true
      ON CONFLICT (cuboid, grain, period, ${dims.join(", ")}) DO UPDATE SET ${add}${keepBig}`,
    // Bounds every sum a read can make of this family's cells (see migration 0011).
    gross: `INSERT INTO rollup_gross (family, measure, gross) VALUES ${meas
      .map((c) => `('${family.name}', '${c}', abs(?))`)
      .join(", ")}
      ON CONFLICT (family, measure) DO UPDATE SET gross = gross + excluded.gross`,
  };
  // A write of many entries (an import batch) sums them per cell first: one upsert per cell and
  // statement instead of three per entry. The entries are read back by their event seqs, after
  // their rows in the same write, and grouped by day and every dimension before being fanned out
  // to the cuboids (few groups, so the fan-out is cheap); the labels are the per-entry writes'.
  // The seq index is named: left to itself the planner walks a covering index of the whole table
  // in the GROUP BY's order, which grows with the ledger.
  const bigOf = largest.map(([c, l]) => `, max(abs(${c})) AS ${l}`).join("");
  const batch = (by: "day" | "month") => `WITH b AS MATERIALIZED (SELECT ${
    by === "day" ? "entry_on AS day" : "substr(entry_on, 1, 7) AS month"
  }, ${dims.join(", ")}, ${meas.map((c) => `sum(${c}) AS ${c}`).join(", ")}${bigOf}
    FROM ${names.entries} INDEXED BY ${names.entries}_by_event WHERE event_seq BETWEEN ? AND ?
    GROUP BY 1, ${dims.join(", ")})`;
  const quarterOfMonth = "substr(v.month, 1, 4) || '-Q' || ((CAST(substr(v.month, 6, 2) AS INTEGER) + 2) / 3)";
  const sums = meas.map((c) => `sum(v.${c})`).join(", ");
  const bigSums = largest.map(([, l]) => `, max(v.${l})`).join("");
  const groupKeys = (count: number) => Array.from({ length: count }, (_, i) => i + 1).join(", ");
  const batchWrites = {
    daily: `${batch("day")} INSERT INTO ${names.daily} (day, ${meas.join(", ")})
      SELECT v.day, ${sums} FROM b AS v WHERE true GROUP BY v.day
      ON CONFLICT (day) DO UPDATE SET ${add}`,
    monthly: `${batch("month")} INSERT INTO ${names.monthly} (cuboid, month, ${dims.join(", ")}, ${meas.join(", ")}${big})
      SELECT m.column1, v.month, ${kept}, ${sums}${bigSums} FROM b AS v, (VALUES ${masks(cuboids)}) AS m
      WHERE true GROUP BY ${groupKeys(2 + dims.length)}
      ON CONFLICT (cuboid, month, ${dims.join(", ")}) DO UPDATE SET ${add}${keepBig}`,
    periods: `${batch("month")} INSERT INTO ${names.periods} (cuboid, grain, period, ${dims.join(", ")}, ${meas.join(", ")}${big})
      SELECT m.column1, g.column1, CASE g.column1 WHEN 'year' THEN substr(v.month, 1, 4) ELSE ${quarterOfMonth} END, ${kept}, ${sums}${bigSums}
      FROM b AS v, (VALUES ${masks(cuboids.filter((m) => m !== full))}) AS m, (VALUES ('quarter'), ('year')) AS g
      WHERE true GROUP BY ${groupKeys(3 + dims.length)}
      ON CONFLICT (cuboid, grain, period, ${dims.join(", ")}) DO UPDATE SET ${add}${keepBig}`,
    gross: `INSERT INTO rollup_gross (family, measure, gross)
      SELECT '${family.name}', x.measure, x.gross FROM (${meas
        .map(
          (c) =>
            `SELECT '${c}' AS measure, coalesce(sum(abs(${c})), 0) AS gross FROM ${names.entries} INDEXED BY ${names.entries}_by_event WHERE event_seq BETWEEN ? AND ?`,
        )
        .join(" UNION ALL ")}) AS x WHERE true
      ON CONFLICT (family, measure) DO UPDATE SET gross = gross + excluded.gross`,
  };
  const tables: FamilyTables = { family, ...names, dimensions, measures, largest, cuboids, full, writes, batchWrites };
  tablesByFamily.set(family, tables);
  return tables;
}

/** The rollup changes of one entry (its state): they ride in the same atomic write as the entry. */
export function rollupWrites(family: RollupFamily, entry: Record<string, unknown>): CompiledQuery[] {
  const t = familyTables(family);
  const day = String(entry.entryOn);
  const month = day.slice(0, 7);
  const measures = t.measures.map(([f]) => Number(entry[f]));
  const params = [
    day,
    month,
    quarterOf(month),
    month.slice(0, 4),
    ...t.dimensions.map(([f]) => String(entry[f])),
    ...measures,
  ];
  return [
    CompiledQuery.raw(t.writes.daily, params),
    CompiledQuery.raw(t.writes.monthly, params),
    CompiledQuery.raw(t.writes.periods, params),
    CompiledQuery.raw(t.writes.gross, measures),
  ];
}

/** Entries written at once from which on their changes are summed per cell (batchRollupWrites). */
export const BATCH_ROLLUP_FROM = 8;

/**
 * The rollup changes of every entry of a family written with event seqs first..last, summed per
 * cell: for a write of many entries (an import batch), after the entries' rows in the same write.
 */
export function batchRollupWrites(family: RollupFamily, first: number, last: number): CompiledQuery[] {
  const t = familyTables(family);
  const range = [first, last];
  return [
    CompiledQuery.raw(t.batchWrites.daily, range),
    CompiledQuery.raw(t.batchWrites.monthly, range),
    CompiledQuery.raw(t.batchWrites.periods, range),
    CompiledQuery.raw(
      t.batchWrites.gross,
      t.measures.flatMap(() => range),
    ),
  ];
}

/** SQL for a period label at the query's grain, from a month ("2025-07") column or expression. */
export function periodExpression(grain: RollupQuery["period"], month: string): string {
  if (grain === "year") return `substr(${month}, 1, 4)`;
  if (grain === "quarter")
    return `substr(${month}, 1, 4) || '-Q' || ((CAST(substr(${month}, 6, 2) AS INTEGER) + 2) / 3)`;
  return month;
}

/**
 * Statements that rebuild every rollup of a family from its entries: for bulk loads (the
 * benchmark's million), and to repair rollups that verification found wrong. Run them in one batch.
 */
export function rebuildRollupQueries(family: RollupFamily): CompiledQuery[] {
  const t = familyTables(family);
  const columns = t.dimensions.map(([, c]) => c);
  const sums = t.measures.map(([, c]) => `sum(${c})`).join(", ");
  const measureList = t.measures.map(([, c]) => c).join(", ");
  const bigList = t.largest.map(([, l]) => `, ${l}`).join("");
  const bigOfEntries = t.largest.map(([c]) => `, max(abs(${c}))`).join("");
  const bigOfCells = t.largest.map(([, l]) => `, max(${l})`).join("");
  const keptColumns = (mask: number) => columns.map((c, i) => (mask & (1 << i) ? c : "''")).join(", ");
  const groupBy = (mask: number) =>
    columns
      .filter((_, i) => mask & (1 << i))
      .map((c) => `, ${c}`)
      .join("");
  return [
    `DELETE FROM ${t.daily}`,
    `DELETE FROM ${t.monthly}`,
    `DELETE FROM ${t.periods}`,
    `DELETE FROM rollup_gross WHERE family = '${t.family.name}'`,
    ...t.measures.map(
      ([, c]) => `INSERT INTO rollup_gross (family, measure, gross)
        SELECT '${t.family.name}', '${c}', CAST(min(total(abs(${c})), ${GROSS_LIMIT}) AS INTEGER) FROM ${t.entries}`,
    ),
    `INSERT INTO ${t.daily} SELECT entry_on, ${sums} FROM ${t.entries} GROUP BY entry_on`,
    ...t.cuboids.map(
      (mask) => `INSERT INTO ${t.monthly} (cuboid, month, ${columns.join(", ")}, ${measureList}${bigList})
        SELECT ${mask}, substr(entry_on, 1, 7), ${keptColumns(mask)}, ${sums}${bigOfEntries}
        FROM ${t.entries} GROUP BY substr(entry_on, 1, 7)${groupBy(mask)}`,
    ),
    ...(["quarter", "year"] as const).map(
      (grain) => `INSERT INTO ${t.periods} (cuboid, grain, period, ${columns.join(", ")}, ${measureList}${bigList})
        SELECT cuboid, '${grain}', ${periodExpression(grain, "month")}, ${columns.join(", ")}, ${sums}${bigOfCells}
        FROM ${t.monthly} WHERE cuboid <> ${t.full}
        GROUP BY cuboid, ${periodExpression(grain, "month")}, ${columns.join(", ")}`,
    ),
  ].map((text) => CompiledQuery.raw(text));
}

/** Net figures over China Standard Time days from..to, from the daily table, in measure order. */
export async function dailyTotals(db: Kysely<Database>, family: RollupFamily, from: string, to: string) {
  const t = familyTables(family);
  const sums = sql.raw(t.measures.map(([, c]) => `sum(${c}) AS ${c}`).join(", "));
  const { rows } = await sql<Record<string, number | null>>`
    SELECT ${sums} FROM ${sql.table(t.daily)} WHERE day >= ${from} AND day <= ${to}`.execute(db);
  return t.measures.map(([, c]) => Number(rows[0]?.[c] ?? 0));
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

/** Each day of from..to (at most a month's partial ends) as a one-day range, in order. */
function daysBetween(from: string, to: string): [string, string][] {
  const days: [string, string][] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); ; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > to) return days;
    days.push([day, day]);
  }
}

/** Months "YYYY-MM" from..to, in order. */
const monthsBetween = (from: string, to: string) =>
  Array.from({ length: monthIndex(`${to}-01`) - monthIndex(`${from}-01`) + 1 }, (_, i) =>
    monthOf(monthIndex(`${from}-01`) + i),
  );

/**
 * Cells read from the coarsest rollup that answers each part of the range; only the partial
 * months at the ends read entries (of those days, by index). Cells of the same period and keys
 * from different parts are summed here (exactly: no family's gross passes 2^53, migration 0011),
 * so the answer holds each group once and `maxGroups` bounds it: past it the read stops and throws
 * AnswerTooLargeError. The full cuboid (every dimension, as many cells as entries) is read a month
 * per statement and the loop yields a turn between statements and every 256 rows once its time
 * budget has passed, so a large read never holds the event loop for long on better-sqlite3. On D1
 * (`splitStatements` false) a statement waits on I/O, not on the loop, and each is a round trip
 * counted against the invocation's queries: the range is read whole.
 */
export async function rollupBreakdown(
  db: Kysely<Database>,
  family: RollupFamily,
  query: RollupQuery,
  splitStatements = true,
): Promise<RollupCell[]> {
  const t = familyTables(family);
  const chosen = t.dimensions.filter(([d]) => query.dimensions.includes(d));
  const mask =
    chosen.length <= 2 ? chosen.reduce((m, [d]) => m | (1 << t.dimensions.findIndex(([x]) => x === d)), 0) : t.full;
  const columns = chosen.map(([, c]) => c);
  const coarsest =
    mask === t.full || query.period === "month" ? "month" : query.period === "quarter" ? "quarter" : "year";
  const maxGroups = query.maxGroups ?? Number.POSITIVE_INFINITY;
  const statements: { source: string; periodSql: string; where: ReturnType<typeof sql>; largestSql: string[] }[] = [];
  const cellsLargest = t.largest.map(([, l]) => `max(${l}) AS ${l}`);
  const entriesLargest = t.largest.map(([c, l]) => `max(abs(${c})) AS ${l}`);
  for (const segment of decompose(query.from, query.to, coarsest)) {
    if (segment.source === "year" || segment.source === "quarter") {
      statements.push({
        source: t.periods,
        periodSql: query.period === "year" && segment.source === "quarter" ? "substr(period, 1, 4)" : "period",
        where: sql`cuboid = ${mask} AND grain = ${segment.source} AND period >= ${segment.from} AND period <= ${segment.to}`,
        largestSql: cellsLargest,
      });
    } else if (segment.source === "month") {
      const periodSql = periodExpression(query.period, "month");
      const ranges =
        mask === t.full && splitStatements
          ? monthsBetween(segment.from, segment.to).map((m) => [m, m])
          : [[segment.from, segment.to]];
      for (const [from, to] of ranges)
        statements.push({
          source: t.monthly,
          periodSql,
          where: sql`cuboid = ${mask} AND month >= ${from} AND month <= ${to}`,
          largestSql: cellsLargest,
        });
    } else {
      const periodSql = periodExpression(query.period, "substr(entry_on, 1, 7)");
      // Entries grouped by every dimension are about as many groups as entries: a day per statement.
      const days =
        mask === t.full && splitStatements ? daysBetween(segment.from, segment.to) : [[segment.from, segment.to]];
      for (const [from, to] of days)
        statements.push({
          source: t.entries,
          periodSql,
          where: sql`entry_on >= ${from} AND entry_on <= ${to}`,
          largestSql: entriesLargest,
        });
    }
  }
  const groupBy = [...(query.period ? ["period"] : []), ...columns];
  const limit = Number.isFinite(maxGroups) ? sql.raw(`LIMIT ${maxGroups + 1}`) : sql.raw("");
  const firstMeasure = t.measures[0]?.[1] ?? "";
  const cells = new Map<string, RollupCell>();
  const yieldTurn = turnYielder();
  for (const { source, periodSql, where, largestSql } of statements) {
    const select = [
      ...(query.period ? [`${periodSql} AS period`] : []),
      ...columns,
      ...t.measures.map(([, c]) => `sum(${c}) AS ${c}`),
      ...largestSql,
    ].join(", ");
    const result = await sql<Record<string, unknown>>`
      SELECT ${sql.raw(select)} FROM ${sql.table(source)} WHERE ${where}
      ${sql.raw(groupBy.length ? `GROUP BY ${groupBy.join(", ")}` : "")} ${limit}`.execute(db);
    for (let i = 0; i < result.rows.length; i++) {
      if ((i & 255) === 255) await yieldTurn();
      const row = result.rows[i] as Record<string, unknown>;
      if (row[firstMeasure] === null) continue;
      const keys: Record<string, string> = {};
      for (const [d, c] of chosen) keys[d] = String(row[c]);
      const period = query.period ? String(row.period) : undefined;
      const id = [period ?? "", ...chosen.map(([d]) => keys[d])].join("\u0000");
      const figures = t.measures.map(([, c]) => Number(row[c]));
      const largest = t.largest.map(([, l]) => Number(row[l]));
      const known = cells.get(id);
      if (known) {
        known.figures = known.figures.map((f, i) => f + (figures[i] ?? 0));
        known.largest = known.largest.map((l, i) => Math.max(l, largest[i] ?? 0));
        continue;
      }
      if (cells.size >= maxGroups) throw new AnswerTooLargeError(maxGroups);
      cells.set(id, { ...(period === undefined ? {} : { period }), keys, figures, largest });
    }
    await yieldTurn();
  }
  return [...cells.values()];
}
