import { CompiledQuery, type Kysely, sql } from "kysely";
import type { PledgeRecord } from "../../src/domain/pledges/pledge.ts";
import type { PledgeListFilter, PledgorCountCell, PledgorCountQuery } from "../../src/domain/ports.ts";
import type { Database } from "../schema.ts";
import { compiledOnce, rowsOf } from "./compiled-once.ts";
import { periodExpression } from "./rollups.ts";

const toPledge = (row: { state: string }) => JSON.parse(row.state) as PledgeRecord;

const byId = compiledOnce((db, id: string) => db.selectFrom("pledges").select("state").where("id", "=", id));

export async function findPledge(db: Kysely<Database>, id: string) {
  const [row] = await rowsOf(db, byId(db, id));
  return row ? toPledge(row) : undefined;
}

/** From the covering UNIQUE (registration_year, registration_serial) index. */
const maxSerial = compiledOnce((db, year: number) =>
  db
    .selectFrom("pledges")
    .select((eb) => eb.fn.max("registration_serial").as("serial"))
    .where("registration_year", "=", year),
);

export async function maxPledgeSerial(db: Kysely<Database>, year: number) {
  const [row] = await rowsOf(db, maxSerial(db, year));
  return Number(row?.serial ?? 0);
}

/** The pledges holding any of these rights (by key), one lookup of the primary key each. */
export async function findRightHolders(db: Kysely<Database>, keys: readonly string[]): Promise<PledgeRecord[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{ state: string }>`
    SELECT p.state FROM pledges AS p WHERE p.id IN (
      SELECT r.pledge_id FROM json_each(${JSON.stringify(keys)}) AS k
      JOIN pledge_rights AS r ON r.right_key = k.value)
    ORDER BY p.id`.execute(db);
  return rows.map(toPledge);
}

export async function listPledges(db: Kysely<Database>, filter: PledgeListFilter): Promise<PledgeRecord[]> {
  let query = db.selectFrom("pledges").select("state").orderBy("id", "desc").limit(filter.limit);
  if (filter.visibleTo) {
    const org = filter.visibleTo;
    query = query.where((eb) =>
      eb.or([eb("pledgor_organization_id", "=", org), eb("pledgee_organization_id", "=", org)]),
    );
  }
  if (filter.beforeId) query = query.where("id", "<", filter.beforeId);
  if (filter.status) query = query.where("status", "=", filter.status);
  return (await query.execute()).map(toPledge);
}

const DELETE_RIGHTS = "DELETE FROM pledge_rights WHERE pledge_id = ?";
// From the pledge's row, written just before in the same atomic write: the index cannot differ from it.
const INSERT_RIGHTS = `INSERT INTO pledge_rights (right_key, pledge_id)
  SELECT r.value ->> '$.key', p.id FROM pledges AS p, json_each(p.state, '$.rights') AS r
  WHERE p.id = ? AND p.status IN ('submitted', 'registered')`;

/**
 * A pledge's rights are held while it is submitted or registered: each write of its row replaces
 * its rows in `pledge_rights`, whose primary key refuses a right another pledge holds.
 */
export function pledgeRightWrites(_db: Kysely<Database>, _state: string, id: string): CompiledQuery[] {
  return [CompiledQuery.raw(DELETE_RIGHTS, [id]), CompiledQuery.raw(INSERT_RIGHTS, [id])];
}

/**
 * Distinct pledgors per cell: a pledgor counts in a cell where its entries there add up to at
 * least one pledge (a registration not released within the cell, say), from the entries.
 */
export async function pledgorCounts(db: Kysely<Database>, query: PledgorCountQuery): Promise<PledgorCountCell[]> {
  const period = query.period ? periodExpression(query.period, "substr(entry_on, 1, 7)") : "''";
  const columns = query.dimensions.map((d) => ({ field: d, column: COLUMNS[d] }));
  const keys = columns.map((c) => c.column).join(", ");
  const inner = `SELECT ${period} AS period${keys ? `, ${keys}` : ""}, pledgor, sum(count) AS n
    FROM pledge_entries WHERE entry_on BETWEEN ? AND ?
    GROUP BY period${keys ? `, ${keys}` : ""}, pledgor HAVING n > 0`;
  const outer = `SELECT period${keys ? `, ${keys}` : ""}, count(*) AS pledgors FROM (${inner})
    GROUP BY period${keys ? `, ${keys}` : ""}`;
  const { rows } = await db.executeQuery<Record<string, string | number>>(
    CompiledQuery.raw(outer, [query.from, query.to]),
  );
  return rows.map((row) => ({
    ...(query.period ? { period: String(row.period) } : {}),
    keys: Object.fromEntries(columns.map((c) => [c.field, String(row[c.column])])),
    pledgors: Number(row.pledgors),
  }));
}

const COLUMNS = { rightType: "right_type", pledgee: "pledgee", sizeBand: "size_band" } as const;

/**
 * The held-rights index against a recomputation from the pledges' rows: every right of a
 * submitted or registered pledge, and nothing else. Names at most `limit` differences.
 */
export async function pledgeRightProblems(db: Kysely<Database>, limit = 20): Promise<string[]> {
  const { rows } = await sql<{ side: string; right_key: string; pledge_id: string }>`
    WITH expected AS (
      SELECT r.value ->> '$.key' AS right_key, p.id AS pledge_id
      FROM pledges AS p, json_each(p.state, '$.rights') AS r WHERE p.status IN ('submitted', 'registered')
    )
    SELECT * FROM (
      SELECT 'missing' AS side, * FROM (SELECT right_key, pledge_id FROM expected EXCEPT SELECT right_key, pledge_id FROM pledge_rights)
      UNION ALL
      SELECT 'extra' AS side, * FROM (SELECT right_key, pledge_id FROM pledge_rights EXCEPT SELECT right_key, pledge_id FROM expected)
    ) LIMIT ${limit}`.execute(db);
  return rows.map((r) =>
    r.side === "missing"
      ? `pledge_rights: right ${r.right_key} of pledge ${r.pledge_id} is not in the index of held rights`
      : `pledge_rights: right ${r.right_key} is held for pledge ${r.pledge_id}, which does not hold it`,
  );
}
