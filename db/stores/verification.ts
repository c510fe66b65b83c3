import { type Kysely, type RawBuilder, sql } from "kysely";
import type {
  ChainStretch,
  StateRowTally,
  StateSubjectTotals,
  StateSubjectType,
  SubjectCheck,
} from "../../src/domain/ports.ts";
import type { LedgerDatabase } from "../dialects/ledger-database.ts";
import type { Database } from "../schema.ts";

/** Verification's bulk reads: a few statements per thousand events, no object per row. */

const STATE_TABLES = { tech_contract: "tech_contracts", volume_entry: "volume_entries" } as const satisfies Record<
  StateSubjectType,
  keyof Database
>;

/** D1 refuses strings over 2,000,000 bytes: it reads a stretch this many events at a time. */
const D1_EVENTS_PER_READ = 100;

/**
 * The ten fields eventHash covers, in its order: SQLite's json_array renders the same text as
 * JSON.stringify for every value a TEXT or INTEGER column can hold as valid UTF-8 (a property
 * test holds it to that); the caller recomputes any stretch where a hash does not match.
 */
const PREIMAGE = sql`json_array(seq, at, actor_key_id, actor_holder, organization_id, action, subject_type, subject_id, state, prev_hash)`;

interface StretchRow {
  count: number;
  preimages: Uint8Array | string | null;
  hashes: string | null;
  prev_hashes: string | null;
}

async function readStretch(db: Kysely<Database>, afterSeq: number, uptoSeq: number, asText: boolean) {
  // The rowid range scan yields events in seq order; the caller checks every line's seq anyway.
  const preimages = asText
    ? sql`group_concat(${PREIMAGE}, char(10))`
    : sql`CAST(group_concat(${PREIMAGE}, char(10)) AS BLOB)`;
  const { rows } = await sql<StretchRow>`
    SELECT count(*) AS count, ${preimages} AS preimages,
           group_concat(hash, '') AS hashes, group_concat(prev_hash, '') AS prev_hashes
    FROM audit_events WHERE seq > ${afterSeq} AND seq <= ${uptoSeq}`.execute(db);
  const row = rows[0];
  return {
    count: Number(row?.count ?? 0),
    preimages: row?.preimages ?? null,
    hashes: row?.hashes ?? "",
    prevHashes: row?.prev_hashes ?? "",
  };
}

export async function auditChainStretch(
  database: LedgerDatabase,
  afterSeq: number,
  uptoSeq: number,
): Promise<ChainStretch> {
  if (database.dialect === "sqlite") {
    const read = await readStretch(database.db, afterSeq, uptoSeq, false);
    const bytes = read.preimages;
    return { ...read, preimages: bytes instanceof Uint8Array ? bytes : new Uint8Array(0) };
  }
  const parts: { count: number; text: string; hashes: string; prevHashes: string }[] = [];
  for (let after = afterSeq; after < uptoSeq; after += D1_EVENTS_PER_READ) {
    const read = await readStretch(database.db, after, Math.min(after + D1_EVENTS_PER_READ, uptoSeq), true);
    if (read.count > 0) parts.push({ ...read, text: String(read.preimages ?? "") });
  }
  return {
    count: parts.reduce((n, p) => n + p.count, 0),
    preimages: new TextEncoder().encode(parts.map((p) => p.text).join("\n")),
    hashes: parts.map((p) => p.hashes).join(""),
    prevHashes: parts.map((p) => p.prevHashes).join(""),
  };
}

/** Run right after auditChainStretch on the same connection, the events compared here are cached. */
export async function stateRowTallies(
  db: Kysely<Database>,
  afterSeq: number,
  uptoSeq: number,
): Promise<Record<StateSubjectType, StateRowTally>> {
  const tally = (type: StateSubjectType) => sql`
    SELECT ${type} AS type, count(*) AS n, coalesce(sum(t.event_seq), 0) AS seq_sum,
           coalesce(sum(e.subject_type = ${type} AND e.subject_id = t.id AND e.state = t.state), 0) AS matching
    FROM ${sql.table(STATE_TABLES[type])} AS t LEFT JOIN audit_events AS e ON e.seq = t.event_seq
    WHERE t.event_seq > ${afterSeq} AND t.event_seq <= ${uptoSeq}`;
  const { rows } = await sql<{ type: StateSubjectType; n: number; seq_sum: number; matching: number }>`
    ${tally("tech_contract")} UNION ALL ${tally("volume_entry")}`.execute(db);
  const empty = { rows: 0, matching: 0, eventSeqSum: 0 };
  const result: Record<StateSubjectType, StateRowTally> = { tech_contract: empty, volume_entry: empty };
  for (const r of rows) {
    result[r.type] = { rows: Number(r.n), matching: Number(r.matching), eventSeqSum: Number(r.seq_sum) };
  }
  return result;
}

export async function stateSubjectTotals(
  db: Kysely<Database>,
  type: StateSubjectType,
  headSeq: number,
): Promise<StateSubjectTotals> {
  const table = sql.table(STATE_TABLES[type]);
  const { rows } = await sql<{ subjects: number; last_sum: number; outside: number }>`
    SELECT count(*) AS subjects, coalesce(sum(last), 0) AS last_sum,
           (SELECT count(*) FROM ${table} WHERE event_seq < 1 OR event_seq > ${headSeq}) AS outside
    FROM (SELECT max(seq) AS last FROM audit_events
          WHERE subject_type = ${type} AND seq <= ${headSeq} GROUP BY subject_id)`.execute(db);
  const row = rows[0];
  return {
    subjects: Number(row?.subjects ?? 0),
    lastSeqSum: Number(row?.last_sum ?? 0),
    rowsOutside: Number(row?.outside ?? 0),
  };
}

/** Each id with its row (state text and event seq) and its last event of the type. */
async function stateChecks(db: Kysely<Database>, type: StateSubjectType, ids: RawBuilder<unknown>) {
  const table = sql.table(STATE_TABLES[type]);
  const { rows } = await sql<{
    subject_id: string;
    state: string | null;
    event_seq: number | null;
    last_seq: number | null;
    last_state: string | null;
  }>`
    SELECT ids.id AS subject_id, t.state, t.event_seq, e.seq AS last_seq, e.state AS last_state
    FROM (${ids}) AS ids
    LEFT JOIN ${table} AS t ON t.id = ids.id
    LEFT JOIN audit_events AS e
      ON e.seq = (SELECT max(seq) FROM audit_events WHERE subject_type = ${type} AND subject_id = ids.id)
    ORDER BY ids.id`.execute(db);
  return rows.map(
    (r): SubjectCheck => ({
      subjectId: r.subject_id,
      current: r.state,
      ...(r.state === null ? {} : { stored: { state: r.state, eventSeq: Number(r.event_seq) } }),
      lastEventSeq: r.last_seq === null ? null : Number(r.last_seq),
      lastEventState: r.last_state,
    }),
  );
}

/** The exact path for state rows: every id with a row or an event of the type, a page at a time. */
export function checkStateSubjects(db: Kysely<Database>, type: StateSubjectType, afterId: string, limit: number) {
  const table = sql.table(STATE_TABLES[type]);
  return stateChecks(
    db,
    type,
    sql`SELECT id FROM (SELECT id FROM ${table} WHERE id > ${afterId} ORDER BY id LIMIT ${limit})
        UNION
        SELECT id FROM (SELECT DISTINCT subject_id AS id FROM audit_events
                        WHERE subject_type = ${type} AND subject_id > ${afterId} ORDER BY subject_id LIMIT ${limit})
        ORDER BY id LIMIT ${limit}`,
  );
}

export function suspectStateSubjects(db: Kysely<Database>, type: StateSubjectType, limit: number) {
  const table = sql.table(STATE_TABLES[type]);
  return stateChecks(
    db,
    type,
    sql`SELECT id FROM (
          SELECT t.id FROM ${table} AS t LEFT JOIN audit_events AS e ON e.seq = t.event_seq
          WHERE e.subject_type IS NOT ${type} OR e.subject_id IS NOT t.id OR e.state IS NOT t.state
             OR t.event_seq IS NOT (SELECT max(seq) FROM audit_events WHERE subject_type = ${type} AND subject_id = t.id)
          UNION
          SELECT DISTINCT a.subject_id FROM audit_events AS a
          WHERE a.subject_type = ${type} AND NOT EXISTS (SELECT 1 FROM ${table} WHERE id = a.subject_id)
        ) ORDER BY id LIMIT ${limit}`,
  );
}

export async function countStateSubjects(db: Kysely<Database>, type: StateSubjectType): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*) AS n FROM (
      SELECT id FROM ${sql.table(STATE_TABLES[type])} UNION SELECT subject_id FROM audit_events WHERE subject_type = ${type}
    )`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
