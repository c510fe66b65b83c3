import { type Compilable, CompiledQuery, type Kysely } from "kysely";
import type { Database } from "../schema.ts";

interface Template {
  sql: string;
  /** For each bound parameter: the argument it takes, or -1 for a value the builder fixed. */
  slots: number[];
  fixed: readonly unknown[];
}

/**
 * A statement Kysely builds and compiles once, then binds with each call's arguments: building
 * and compiling a query cost more than SQLite takes to run a point read, and the hot path of a
 * write runs a dozen of them. Only for builders whose shape does not depend on the arguments (no
 * branch on them) and that pass each argument through unchanged as a bound parameter. The first
 * call compiles with marker values in the arguments' places and refuses a builder where a marker
 * is missing from the parameters, appears in the SQL text (a literal or identifier), or appears
 * inside another parameter (a value made from it, such as a LIKE pattern). It cannot see a branch
 * on an argument's value: keep such builders out. One template serves every Kysely instance,
 * which all compile with SqliteQueryCompiler (better-sqlite3 and D1 alike) and no plugins.
 */
export function compiledOnce<A extends unknown[], O>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<O>,
): (db: Kysely<Database>, ...args: A) => CompiledQuery<O> {
  let template: Template | undefined;
  return (db, ...args) => {
    template ??= compileTemplate(db, build, args.length);
    const { sql, slots, fixed } = template;
    return CompiledQuery.raw(
      sql,
      slots.map((slot, i) => (slot < 0 ? fixed[i] : args[slot])),
    ) as CompiledQuery<O>;
  };
}

/** Runs a compiled-once read and returns its rows. */
export async function rowsOf<O>(db: Kysely<Database>, query: CompiledQuery<O>): Promise<O[]> {
  return (await db.executeQuery(query)).rows;
}

function compileTemplate<A extends unknown[], O>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, ...args: A) => Compilable<O>,
  arity: number,
): Template {
  const markers = Array.from({ length: arity }, (_, i) => `\u0000argument ${i} ${crypto.randomUUID()}`);
  const compiled = build(db, ...(markers as A)).compile();
  const slots = compiled.parameters.map((p) => markers.indexOf(p as string));
  for (const [i, marker] of markers.entries()) {
    if (!slots.includes(i)) throw new Error(`compiledOnce: argument ${i} is not a bound parameter of ${compiled.sql}`);
    if (compiled.sql.includes(marker)) throw new Error(`compiledOnce: argument ${i} is inlined in ${compiled.sql}`);
    const derived = compiled.parameters.some((p, at) => slots[at] !== i && typeof p === "string" && p.includes(marker));
    if (derived) throw new Error(`compiledOnce: a parameter of ${compiled.sql} is made from argument ${i}`);
  }
  return { sql: compiled.sql, slots, fixed: compiled.parameters };
}
