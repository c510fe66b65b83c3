import { type Kysely, type RawBuilder, sql } from "kysely";
import { quarterOf } from "../../src/domain/dates.ts";
import { nextTurn } from "../../src/domain/next-turn.ts";
import type { Database } from "../schema.ts";

/**
 * The fast half of checkRollups: true only if every rollup equals a recomputation from the volume
 * entries. The full-set monthly cells and the daily totals are recomputed in SQL from covering
 * indexes (read in index order, so nothing is sorted) and compared there; the smaller cuboids and
 * the quarter and year cells are then derived from the stored full set (just shown equal to the
 * recomputation) and compared in JS. False sends the caller to the exact check, which names cells.
 */
export async function rollupsMatch(db: Kysely<Database>, columns: string[], cuboids: number[]): Promise<boolean> {
  const full = (1 << columns.length) - 1;
  const dims = sql.raw(columns.join(", "));
  const figures = sql.raw("sum(count) AS count, sum(total_fen) AS total_fen, sum(technology_fen) AS technology_fen");
  const checks = [
    compareInSql(
      sql`SELECT substr(entry_on, 1, 7) AS month, ${dims}, ${figures} FROM volume_entries
          GROUP BY substr(entry_on, 1, 7), ${dims}`,
      sql`SELECT * FROM volume_monthly WHERE cuboid = ${full}`,
      sql.raw(["month", ...columns].map((c) => `s.${c} = r.${c}`).join(" AND ")),
    ),
    compareInSql(
      sql`SELECT entry_on AS day, ${figures} FROM volume_entries GROUP BY entry_on`,
      sql`SELECT * FROM volume_daily`,
      sql`s.day = r.day`,
    ),
  ];
  for (const check of checks) {
    await nextTurn();
    const { rows } = await check.execute(db);
    const r = rows[0] as { bad: number; recomputed: number; stored: number } | undefined;
    if (!r || Number(r.bad) !== 0 || Number(r.recomputed) !== Number(r.stored)) return false;
  }
  return derivedCellsMatch(db, columns, cuboids, full);
}

const NONZERO = (t: string) => sql.raw(`(${t}.count <> 0 OR ${t}.total_fen <> 0 OR ${t}.technology_fen <> 0)`);

/**
 * One pass over the recomputed cells, each looked up among the stored ones by primary key. A cell
 * may be missing on one side only where the other side's is zero; every nonzero recomputed cell
 * that is not "bad" pairs with a distinct stored cell, so equal counts of nonzero cells on both
 * sides leave no stored cell unpaired.
 */
function compareInSql(recomputed: RawBuilder<unknown>, stored: RawBuilder<unknown>, join: RawBuilder<unknown>) {
  return sql`
    SELECT coalesce(sum(bad), 0) AS bad, coalesce(sum(nonzero), 0) AS recomputed,
           (SELECT count(*) FROM (${stored}) AS s WHERE ${NONZERO("s")}) AS stored
    FROM (SELECT CASE WHEN s.count IS NULL THEN ${NONZERO("r")}
                 ELSE s.count <> r.count OR s.total_fen <> r.total_fen OR s.technology_fen <> r.technology_fen END AS bad,
                 ${NONZERO("r")} AS nonzero
          FROM (${recomputed}) AS r LEFT JOIN (${stored}) AS s ON ${join})`;
}

type Figures = [number, number, number];

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
async function* cellPages(db: Kysely<Database>, table: "volume_monthly" | "volume_periods", key: string[]) {
  const line = sql.raw([...key, "count", "total_fen", "technology_fen"].join(" || '|' || "));
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
    if (fields.length !== Number(page.n) || fields.some((f) => f.length !== key.length + 3)) {
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
async function derivedCellsMatch(db: Kysely<Database>, columns: string[], cuboids: number[], full: number) {
  const dimensions = columns.length;
  const codes = columns.map(() => new Map<string, number>());
  const months = new Map<string, number>();
  const fullCells: Cell[] = [];
  const others: string[][] = [];
  for await (const page of cellPages(db, "volume_monthly", [...MONTHLY_KEY, ...columns])) {
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
    for (const cell of fullCells) add(monthly, keyOf(mask, cell.period, cell.values), cell);
    expectedMonthly.set(String(mask), monthly);
    for (const grain of ["quarter", "year"] as const) {
      const cells = new Map<number, Cell>();
      for (const cell of monthly.values()) {
        const month = monthNames[cell.period] as string;
        // The same labels the writes use (statistics.ts rollupQueries).
        const label = grain === "year" ? month.slice(0, 4) : quarterOf(month);
        const period = indexOf(periodIndex, label);
        add(cells, keyOf(mask, period, cell.values), { ...cell, period });
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
    if (!same(want ?? [0, 0, 0], got)) return false;
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
  for await (const page of cellPages(db, "volume_periods", [...PERIOD_KEY, ...columns])) {
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

/** The last three fields of a line: count, total and technology fen. */
function figuresOf(fields: string[]): Figures {
  const n = fields.length;
  return [Number(fields[n - 3]), Number(fields[n - 2]), Number(fields[n - 1])];
}

function add(cells: Map<number, Cell>, key: number, cell: Cell) {
  const found = cells.get(key);
  if (found) {
    found.figures[0] += cell.figures[0];
    found.figures[1] += cell.figures[1];
    found.figures[2] += cell.figures[2];
  } else cells.set(key, { period: cell.period, values: cell.values, figures: [...cell.figures] });
}

const same = (a: Figures, b: Figures) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const isZero = (f: Figures) => f[0] === 0 && f[1] === 0 && f[2] === 0;
