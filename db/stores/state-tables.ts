import type { CompiledQuery, Kysely } from "kysely";
import { STATE_SUBJECTS, type StateSubjectType } from "../../src/domain/ledger/subjects.ts";
import type { Database } from "../schema.ts";
import { achievementSearchWrites } from "./achievement-search.ts";
import { compiledOnce } from "./compiled-once.ts";
import { pledgeRightWrites } from "./pledges.ts";
import { STATE_TABLE_NAMES, type StateTableName } from "./state-table-names.ts";

/** Writes that derive from a subject's row and ride with it in the same atomic write (a search index). */
const DERIVED: Partial<Record<StateSubjectType, (db: Kysely<Database>, state: string, id: string) => CompiledQuery[]>> =
  {
    achievement: achievementSearchWrites,
    pledge: pledgeRightWrites,
  };

/** A row as it is written: the state and seq of the subject's last event in the same write. */
export interface StateRow {
  id: string;
  state: string;
  eventSeq: number;
}

const inserts = new Map<StateTableName, ReturnType<typeof insertOf>>();
const upserts = new Map<StateTableName, ReturnType<typeof upsertOf>>();

const insertOf = (table: StateTableName) =>
  compiledOnce((db, id: string, state: string, eventSeq: number) =>
    db.insertInto(table).values({ id, state, event_seq: eventSeq }),
  );
const upsertOf = (table: StateTableName) =>
  compiledOnce((db, id: string, state: string, eventSeq: number) =>
    db
      .insertInto(table)
      .values({ id, state, event_seq: eventSeq })
      .onConflict((oc) =>
        oc
          .column("id")
          .doUpdateSet((eb) => ({ state: eb.ref("excluded.state"), event_seq: eb.ref("excluded.event_seq") })),
      ),
  );

/**
 * The statements that make a subject's row its last event's state: an entry is inserted (a second
 * write of one fails on its primary key, so entries cannot change), a record inserted or replaced.
 */
export function stateRowWrites(db: Kysely<Database>, type: StateSubjectType, row: StateRow): CompiledQuery[] {
  const table = STATE_TABLE_NAMES[type];
  const cache = STATE_SUBJECTS[type].kind === "entry" ? inserts : upserts;
  let compile = cache.get(table);
  if (!compile) {
    compile = (STATE_SUBJECTS[type].kind === "entry" ? insertOf : upsertOf)(table);
    cache.set(table, compile);
  }
  const write = compile(db, row.id, row.state, row.eventSeq);
  const derived = DERIVED[type];
  return derived ? [write, ...derived(db, row.state, row.id)] : [write];
}
