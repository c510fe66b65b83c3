import { type Kysely, type RawBuilder, sql } from "kysely";
import type { StateSubjectType, SubjectCheck } from "../../src/domain/ports.ts";
import type { Database } from "../schema.ts";

/** Verification's reads of the rows that store their last event's state (migration 0006). */

const STATE_TABLES = { tech_contract: "tech_contracts", volume_entry: "volume_entries" } as const satisfies Record<
  StateSubjectType,
  keyof Database
>;

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
