import { CompiledQuery, type Kysely, type RawBuilder, sql } from "kysely";
import type {
  ChainStretch,
  StateRowTally,
  StateSubjectTotals,
  StateSubjectType,
  SubjectCheck,
} from "../../src/domain/ports.ts";
import type { LedgerDatabase } from "../dialects/ledger-database.ts";
import type { Database } from "../schema.ts";
import { STATE_TABLE_NAMES } from "./state-table-names.ts";
import {
  CHAIN_STRETCH_SQL,
  CHAIN_STRETCH_TEXT_SQL,
  type ChainStretchRow,
  STATE_ROW_TALLY_PARTS,
  type StateRowTallyRow,
  toChainStretch,
  toStateRowTallies,
} from "./stretch-sql.ts";

/** Verification's bulk reads: a few statements per thousand events, no object per row. */

const STATE_TABLES = STATE_TABLE_NAMES;

/** D1 refuses strings over 2,000,000 bytes: it reads a stretch this many events at a time. */
const D1_EVENTS_PER_READ = 100;

async function readStretch(db: Kysely<Database>, afterSeq: number, uptoSeq: number, asText: boolean) {
  const query = CompiledQuery.raw(asText ? CHAIN_STRETCH_TEXT_SQL : CHAIN_STRETCH_SQL, [afterSeq, uptoSeq]);
  return toChainStretch((await db.executeQuery<ChainStretchRow>(query)).rows[0]);
}

export async function auditChainStretch(
  dialect: LedgerDatabase["dialect"],
  db: Kysely<Database>,
  afterSeq: number,
  uptoSeq: number,
): Promise<ChainStretch> {
  if (dialect === "sqlite") return readStretch(db, afterSeq, uptoSeq, false);
  const parts: ChainStretch[] = [];
  for (let after = afterSeq; after < uptoSeq; after += D1_EVENTS_PER_READ) {
    const read = await readStretch(db, after, Math.min(after + D1_EVENTS_PER_READ, uptoSeq), true);
    if (read.count > 0) parts.push(read);
  }
  const newline = new Uint8Array([0x0a]);
  const lines = parts.flatMap((p, i) => (i === 0 ? [p.preimages] : [newline, p.preimages]));
  const preimages = new Uint8Array(lines.reduce((n, l) => n + l.length, 0));
  let offset = 0;
  for (const l of lines) {
    preimages.set(l, offset);
    offset += l.length;
  }
  return {
    count: parts.reduce((n, p) => n + p.count, 0),
    preimages,
    hashes: parts.map((p) => p.hashes).join(""),
    prevHashes: parts.map((p) => p.prevHashes).join(""),
  };
}

export async function stateRowTallies(
  db: Kysely<Database>,
  afterSeq: number,
  uptoSeq: number,
): Promise<Record<StateSubjectType, StateRowTally>> {
  const rows: StateRowTallyRow[] = [];
  for (const part of STATE_ROW_TALLY_PARTS) {
    const params = Array.from({ length: part.tables }, () => [afterSeq, uptoSeq]).flat();
    rows.push(...(await db.executeQuery<StateRowTallyRow>(CompiledQuery.raw(part.sql, params))).rows);
  }
  return toStateRowTallies(rows);
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
