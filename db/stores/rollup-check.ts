import { type Kysely, type RawBuilder, sql } from "kysely";
import { quarterOf } from "../../src/domain/dates.ts";
import { nextTurn } from "../../src/domain/next-turn.ts";
import type { Database } from "../schema.ts";
import { type FamilyTables, GROSS_LIMIT } from "./rollups.ts";

/**
 * The fast half of checkRollups: true only if every rollup equals a recomputation from the volume
 * entries. The full-set monthly cells and the daily totals are recomputed in SQL from covering
 * indexes (read in index order, so nothing is sorted) and compared there; the smaller cuboids and
 * the quarter and year cells are then derived from the stored full set (just shown equal to the
 * recomputation) and compared in JS. False sends the caller to the exact check, which names cells.
 */
export async function rollupsMatch(db: Kysely<Database>, t: FamilyTables): Promise<boolean> {
  const columns = t.dimensions.map(([, c]) => c);
  const measures = t.measures.map(([, c]) => c);
  const { full, cuboids } = t;
  const dims = sql.raw(columns.join(", "));
  const figures = sql.raw(measures.map((c) => `sum(${c}) AS ${c}`).join(", "));
  const largest = sql.raw(t.largest.map(([c, l]) => `, max(abs(${c})) AS ${l}`).join(""));
  const entries = sql.table(t.entries);
  const checks = [
    compareInSql(
      cellFigures(t),
      sql`SELECT substr(entry_on, 1, 7) AS month, ${dims}, ${figures}${largest} FROM ${entries}
          GROUP BY substr(entry_on, 1, 7), ${dims}`,
      sql`SELECT * FROM ${sql.table(t.monthly)} WHERE cuboid = ${full}`,
      sql.raw(["month", ...columns].map((c) => `s.${c} = r.${c}`).join(" AND ")),
    ),
    compareInSql(
      measures,
      sql`SELECT entry_on AS day, ${figures} FROM ${entries} GROUP BY entry_on`,
      sql`SELECT * FROM ${sql.table(t.daily)}`,
      sql`s.day = r.day`,
    ),
  ];
  for (const check of checks) {
    await nextTurn();
    const { rows } = await check.execute(db);
    const r = rows[0] as { bad: number; recomputed: number; stored: number } | undefined;
    if (!r || Number(r.bad) !== 0 || Number(r.recomputed) !== Number(r.stored)) return false;
  }
  return derivedCellsMatch(db, t, columns, cuboids, full);
}

/** A monthly or period cell's columns the check compares: the sums, then the largest entries. */
const cellFigures = (t: FamilyTables) => [...t.measures.map(([, c]) => c), ...t.largest.map(([, l]) => l)];

const nonzero = (measures: string[], t: string) => sql.raw(`(${measures.map((c) => `${t}.${c} <> 0`).join(" OR ")})`);

/**
 * One pass over the recomputed cells, each looked up among the stored ones by primary key. A cell
 * may be missing on one side only where the other side's is zero; every nonzero recomputed cell
 * that is not "bad" pairs with a distinct stored cell, so equal counts of nonzero cells on both
 * sides leave no stored cell unpaired.
 */
function compareInSql(
  measures: string[],
  recomputed: RawBuilder<unknown>,
  stored: RawBuilder<unknown>,
  join: RawBuilder<unknown>,
) {
  const first = sql.raw(`s.${measures[0]}`);
  const differs = sql.raw(measures.map((c) => `s.${c} <> r.${c}`).join(" OR "));
  return sql`
    SELECT coalesce(sum(bad), 0) AS bad, coalesce(sum(nonzero), 0) AS recomputed,
           (SELECT count(*) FROM (${stored}) AS s WHERE ${nonzero(measures, "s")}) AS stored
    FROM (SELECT CASE WHEN ${first} IS NULL THEN ${nonzero(measures, "r")} ELSE ${differs} END AS bad,
                 ${nonzero(measures, "r")} AS nonzero
          FROM (${recomputed}) AS r LEFT JOIN (${stored}) AS s ON ${join})`;
}

type Figures = number[];

interface Cell {
  period: number;
  values: number[];
  figures: Figures;
}

const PAGE = 8000;

/**
 * Stored cells as `key...|count|total|technology` lines, in primary-key order, a page at a time
 * (D1 refuses strings over 2 MB). Returns null for a page it cannot read back unambiguously (a
 * value holding the separator or a newline), which fails the fast check.
 */
async function* cellPages(db: Kysely<Database>, table: string, key: string[], measures: string[]) {
  const line = sql.raw([...key, ...measures].join(" || '|' || "));
  const keyList = sql.raw(key.join(", "));
  let after: RawBuilder<unknown> = sql`1`;
  for (;;) {
    await nextTurn();
    const { rows } = await sql<{ lines: string | null; n: number }>`
      SELECT group_concat(line, char(10)) AS lines, count(*) AS n
      FROM (SELECT ${line} AS line FROM ${sql.table(table)} WHERE ${after} ORDER BY ${keyList} LIMIT ${PAGE})`.execute(
      db,
    );
    const page = rows[0];
    if (!page?.lines) return;
    const fields = page.lines.split("\n").map((l) => l.split("|"));
    if (fields.length !== Number(page.n) || fields.some((f) => f.length !== key.length + measures.length)) {
      yield null;
      return;
    }
    yield fields;
    if (fields.length < PAGE) return;
    const last = fields.at(-1) as string[];
    after = sql`(${keyList}) > (${sql.join(key.map((_, i) => sql`${i === 0 ? Number(last[0]) : last[i]}`))})`;
  }
}

const MONTHLY_KEY = ["cuboid", "month"];
const PERIOD_KEY = ["cuboid", "grain", "period"];

/** Derives every cuboid but the full one from the stored full set, and quarters and years from those. */
async function derivedCellsMatch(
  db: Kysely<Database>,
  t: FamilyTables,
  columns: string[],
  cuboids: number[],
  full: number,
) {
  const dimensions = columns.length;
  const measures = cellFigures(t);
  const sums = t.measures.length;
  const figuresOf = (fields: string[]): Figures => fields.slice(fields.length - measures.length).map(Number);
  const zero = measures.map(() => 0);
  const codes = columns.map(() => new Map<string, number>());
  const months = new Map<string, number>();
  const fullCells: Cell[] = [];
  const others: string[][] = [];
  for await (const page of cellPages(db, t.monthly, [...MONTHLY_KEY, ...columns], measures)) {
    if (!page) return false;
    for (const fields of page) {
      if (Number(fields[0]) !== full) {
        others.push(fields);
        continue;
      }
      // Codes from 1: 0 stands for a dimension a cuboid does not keep.
      const values = codes.map((dim, i) => indexOf(dim, fields[2 + i] as string, 1));
      fullCells.push({ period: indexOf(months, fields[1] as string), values, figures: figuresOf(fields) });
    }
  }
  const radix = codes.map((dim) => dim.size + 1);
  const keyOf = (mask: number, period: number, values: number[]) => {
    let key = period;
    for (let i = 0; i < dimensions; i++) if (mask & (1 << i)) key = key * (radix[i] as number) + (values[i] as number);
    return key;
  };

  const monthNames = [...months.keys()];
  const periodIndex = new Map<string, number>();
  const expectedMonthly = new Map<string, Map<number, Cell>>();
  const expectedPeriods = new Map<string, Map<number, Cell>>();
  for (const mask of cuboids) {
    if (mask === full) continue;
    const monthly = new Map<number, Cell>();
    for (const cell of fullCells) add(monthly, keyOf(mask, cell.period, cell.values), cell, sums);
    expectedMonthly.set(String(mask), monthly);
    for (const grain of ["quarter", "year"] as const) {
      const cells = new Map<number, Cell>();
      for (const cell of monthly.values()) {
        const month = monthNames[cell.period] as string;
        // The same labels the writes use (rollups.ts rollupWrites).
        const label = grain === "year" ? month.slice(0, 4) : quarterOf(month);
        const period = indexOf(periodIndex, label);
        add(cells, keyOf(mask, period, cell.values), { ...cell, period }, sums);
      }
      expectedPeriods.set(`${mask}|${grain}`, cells);
    }
  }

  // A stored cell's key among the expected ones, or null if none can have it (then it must be zero).
  const storedKey = (mask: number, period: number | undefined, fields: string[], from: number) => {
    if (period === undefined || !Number.isInteger(mask)) return null;
    const values: number[] = [];
    for (let i = 0; i < dimensions; i++) {
      const value = fields[from + i] as string;
      const code = mask & (1 << i) ? codes[i]?.get(value) : value === "" ? 0 : undefined;
      if (code === undefined) return null;
      values.push(code);
    }
    return keyOf(mask, period, values);
  };
  const tally = { paired: 0 };
  const matches = (expected: Map<string, Map<number, Cell>>, group: string, key: number | null, fields: string[]) => {
    const want = key === null ? undefined : expected.get(group)?.get(key)?.figures;
    const got = figuresOf(fields);
    if (!same(want ?? zero, got)) return false;
    if (want && !isZero(want)) tally.paired++;
    return true;
  };
  const nonzero = (expected: Map<string, Map<number, Cell>>) => {
    let n = 0;
    for (const cells of expected.values()) for (const cell of cells.values()) if (!isZero(cell.figures)) n++;
    return n;
  };

  for (const fields of others) {
    const mask = Number(fields[0]);
    if (!matches(expectedMonthly, String(mask), storedKey(mask, months.get(fields[1] as string), fields, 2), fields)) {
      return false;
    }
  }
  if (tally.paired !== nonzero(expectedMonthly)) return false;
  tally.paired = 0;
  for await (const page of cellPages(db, t.periods, [...PERIOD_KEY, ...columns], measures)) {
    if (!page) return false;
    for (const fields of page) {
      const mask = Number(fields[0]);
      const key = storedKey(mask, periodIndex.get(fields[2] as string), fields, 3);
      if (!matches(expectedPeriods, `${mask}|${fields[1]}`, key, fields)) return false;
    }
  }
  return tally.paired === nonzero(expectedPeriods);
}

/** The label's number in the index, the next free one (from `first`) if it is new. */
function indexOf(index: Map<string, number>, label: string, first = 0): number {
  const found = index.get(label);
  if (found !== undefined) return found;
  const next = index.size + first;
  index.set(label, next);
  return next;
}

function add(cells: Map<number, Cell>, key: number, cell: Cell, sums: number) {
  const found = cells.get(key);
  if (found) addFigures(found.figures, cell.figures, sums);
  else cells.set(key, { period: cell.period, values: cell.values, figures: [...cell.figures] });
}

/** Adds the first `sums` figures (the sums) and keeps the larger of the rest (largest entries). */
export function addFigures(into: Figures, figures: readonly number[], sums = figures.length) {
  for (let i = 0; i < figures.length; i++) {
    into[i] = i < sums ? (into[i] ?? 0) + (figures[i] ?? 0) : Math.max(into[i] ?? 0, figures[i] ?? 0);
  }
}

const same = (a: Figures, b: Figures) => a.length === b.length && a.every((v, i) => v === b[i]);
const isZero = (f: Figures) => f.every((v) => v === 0);

/**
 * Recomputes every rollup of a family from its entries in one pass (the full cuboid and the days),
 * derives the smaller cuboids from the full one, and lists every cell that differs from what is
 * stored. Cost: one read of the entries and of the rollups.
 */
export async function recomputeRollups(db: Kysely<Database>, t: FamilyTables, limit = 20): Promise<string[]> {
  const columns = t.dimensions.map(([, c]) => c);
  const measures = t.measures.map(([, c]) => c);
  const sums = measures.length;
  const cellColumns = cellFigures(t);
  const full = new Map<string, Figures>();
  const daily = new Map<string, Figures>();
  const put = (map: Map<string, Figures>, key: string, figures: readonly number[]) => {
    const cell = map.get(key);
    if (cell) addFigures(cell, figures, sums);
    else map.set(key, [...figures]);
  };
  const valuesOf = (row: Record<string, unknown>) => columns.map((c) => String(row[c]));
  const figuresOfRow = (row: Record<string, unknown>) => measures.map((c) => Number(row[c]));
  // An entry's figures as a cell holds them: its measures, then the magnitudes of the largest ones.
  const cellFiguresOfEntry = (row: Record<string, unknown>) => [
    ...figuresOfRow(row),
    ...t.largest.map(([c]) => Math.abs(Number(row[c]))),
  ];
  const cellFiguresOfRow = (row: Record<string, unknown>) => cellColumns.map((c) => Number(row[c]));
  let after = "";
  for (;;) {
    await nextTurn();
    const { rows: page } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(t.entries)} WHERE id > ${after} ORDER BY id LIMIT 20000`.execute(db);
    for (const e of page) {
      const day = String(e.entry_on);
      put(full, `${day.slice(0, 7)}|${valuesOf(e).join("|")}`, cellFiguresOfEntry(e));
      put(daily, day, figuresOfRow(e));
    }
    const last = page.at(-1);
    if (!last || page.length < 20_000) break;
    after = String(last.id);
  }
  const keptValues = (mask: number, values: readonly string[]) => values.map((v, i) => (mask & (1 << i) ? v : ""));
  const expected = new Map<string, Figures>();
  for (const [key, figures] of full) {
    const [month, ...values] = key.split("|");
    for (const mask of t.cuboids) put(expected, `${mask}|${month}|${keptValues(mask, values).join("|")}`, figures);
  }
  const periods = new Map<string, Figures>();
  for (const [key, figures] of expected) {
    const [mask, month, ...values] = key.split("|");
    if (Number(mask) === t.full || !month) continue;
    put(periods, `${mask}|quarter|${quarterOf(month)}|${values.join("|")}`, figures);
    put(periods, `${mask}|year|${month.slice(0, 4)}|${values.join("|")}`, figures);
  }
  const problems: string[] = [];
  const compare = async (
    what: string,
    table: string,
    keyOf: (row: Record<string, unknown>) => string,
    want: Map<string, Figures>,
    figuresOf = cellFiguresOfRow,
  ) => {
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db);
    for (const row of rows) {
      const key = keyOf(row);
      const got = figuresOf(row);
      const wanted = want.get(key) ?? got.map(() => 0);
      want.delete(key);
      if (!same(wanted, got) && problems.length < limit) {
        problems.push(`${what} ${key} holds ${got.join("/")}, entries give ${wanted.join("/")}`);
      }
    }
    for (const [key, wanted] of want) {
      if (!isZero(wanted) && problems.length < limit) {
        problems.push(`${what} ${key} is missing (entries give ${wanted.join("/")})`);
      }
    }
  };
  await compare("monthly rollup", t.monthly, (r) => `${r.cuboid}|${r.month}|${valuesOf(r).join("|")}`, expected);
  await compare(
    "period rollup",
    t.periods,
    (r) => `${r.cuboid}|${r.grain}|${r.period}|${valuesOf(r).join("|")}`,
    periods,
  );
  await compare("daily rollup", t.daily, (r) => String(r.day), daily, figuresOfRow);
  return problems.map((p) => `${t.family.name}: ${p}`);
}

/**
 * The family's gross (the sum of its entries' magnitudes, per measure) as kept by the writes,
 * against a recomputation: the bound that keeps every sum exact holds only if the gross is right.
 */
export async function grossProblems(db: Kysely<Database>, t: FamilyTables): Promise<string[]> {
  const measures = t.measures.map(([, c]) => c);
  const sums = sql.raw(
    measures.map((c) => `CAST(min(total(abs(${c})), ${GROSS_LIMIT}) AS INTEGER) AS ${c}`).join(", "),
  );
  await nextTurn();
  const { rows } = await sql<Record<string, number>>`SELECT ${sums} FROM ${sql.table(t.entries)}`.execute(db);
  const stored = await db
    .selectFrom("rollup_gross")
    .select(["measure", "gross"])
    .where("family", "=", t.family.name)
    .execute();
  const problems: string[] = [];
  for (const measure of measures) {
    const want = Number(rows[0]?.[measure] ?? 0);
    const got = stored.find((r) => r.measure === measure)?.gross ?? 0;
    if (want !== Number(got)) {
      problems.push(`gross ${t.family.name}.${measure} holds ${got}, entries give ${want}`);
    }
  }
  return problems;
}
