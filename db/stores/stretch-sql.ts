import type { ChainStretch, StateRowTally, StateSubjectType } from "../../src/domain/ports.ts";
import { STATE_TABLE_ENTRIES } from "./state-table-names.ts";

/**
 * The SQL of verification's two bulk reads per stretch of the chain, as plain text with `?`
 * parameters (after, upto): the store runs it through Kysely, the worker processes straight on
 * better-sqlite3, so a worker starts without loading Kysely.
 */

/**
 * hashPreimage (audit-chain.ts) in SQL: SQLite's json_array renders the same text as
 * JSON.stringify for every value a TEXT or INTEGER column can hold as valid UTF-8 (a property
 * test holds it to that); the caller recomputes any stretch where a hash does not match. Version
 * 2 appends the stored state as it is, which is most of the bytes and now costs no escaping.
 */
export const PREIMAGE_SQL = `CASE hash_version
  WHEN 1 THEN json_array(seq, at, actor_key_id, actor_holder, organization_id, action, subject_type, subject_id, state, prev_hash)
  ELSE json_array(hash_version, seq, at, actor_key_id, actor_holder, organization_id, action, subject_type, subject_id, prev_hash)
       || char(31) || state
  END`;

/** The rowid range scan yields events in seq order; the caller checks every line's seq anyway. */
const stretch = (preimages: string) => `
  SELECT count(*) AS count, ${preimages} AS preimages,
         group_concat(hash, '') AS hashes, group_concat(prev_hash, '') AS prev_hashes
  FROM audit_events WHERE seq > ? AND seq <= ?`;

/** The preimages as one BLOB: no string decoding on the way to the hash. */
export const CHAIN_STRETCH_SQL = stretch(`CAST(group_concat(${PREIMAGE_SQL}, char(10)) AS BLOB)`);
/** As text, for D1, whose BLOBs arrive as arrays of numbers. */
export const CHAIN_STRETCH_TEXT_SQL = stretch(`group_concat(${PREIMAGE_SQL}, char(10))`);

export interface ChainStretchRow {
  count: number;
  preimages: Uint8Array | string | null;
  hashes: string | null;
  prev_hashes: string | null;
}

export function toChainStretch(row: ChainStretchRow | undefined): ChainStretch {
  const bytes = row?.preimages;
  return {
    count: Number(row?.count ?? 0),
    preimages: bytes instanceof Uint8Array ? bytes : new TextEncoder().encode(bytes ?? ""),
    hashes: row?.hashes ?? "",
    prevHashes: row?.prev_hashes ?? "",
  };
}

const tally = (type: StateSubjectType, table: string) => `
  SELECT '${type}' AS type, count(*) AS n, coalesce(sum(t.event_seq), 0) AS seq_sum,
         coalesce(sum(e.subject_type = '${type}' AND e.subject_id = t.id AND e.state = t.state), 0) AS matching
  FROM ${table} AS t LEFT JOIN audit_events AS e ON e.seq = t.event_seq
  WHERE t.event_seq > ? AND t.event_seq <= ?`;

/**
 * The state rows naming an event of the stretch, compared with it (parameters: after, upto,
 * after, upto). Run right after the stretch's events were read, those events are in the cache.
 */
export const STATE_ROW_TALLIES_SQL = STATE_TABLE_ENTRIES.map(([type, table]) => tally(type, table)).join(" UNION ALL ");

/**
 * The same tallies as statements of at most five SELECTs each: D1 refuses a compound SELECT of
 * more terms (SQLite's SQLITE_MAX_COMPOUND_SELECT, which D1 sets to 5). Parameters as below, per part.
 */
export const STATE_ROW_TALLY_PARTS: { sql: string; tables: number }[] = Array.from(
  { length: Math.ceil(STATE_TABLE_ENTRIES.length / 5) },
  (_, i) => {
    const part = STATE_TABLE_ENTRIES.slice(i * 5, i * 5 + 5);
    return { sql: part.map(([type, table]) => tally(type, table)).join(" UNION ALL "), tables: part.length };
  },
);

/** The parameters of STATE_ROW_TALLIES_SQL: (after, upto) once per state table. */
export const stateRowTallyParams = (after: number, upto: number) => STATE_TABLE_ENTRIES.flatMap(() => [after, upto]);

export interface StateRowTallyRow {
  type: StateSubjectType;
  n: number;
  seq_sum: number;
  matching: number;
}

export function toStateRowTallies(rows: StateRowTallyRow[]): Record<StateSubjectType, StateRowTally> {
  const empty = { rows: 0, matching: 0, eventSeqSum: 0 };
  const result = Object.fromEntries(STATE_TABLE_ENTRIES.map(([type]) => [type, empty])) as Record<
    StateSubjectType,
    StateRowTally
  >;
  for (const r of rows) {
    result[r.type] = { rows: Number(r.n), matching: Number(r.matching), eventSeqSum: Number(r.seq_sum) };
  }
  return result;
}
