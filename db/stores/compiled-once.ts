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
 * write runs a dozen of them. Only for statements whose text does not depend on the arguments:
 * each argument must reach the SQL as a bound parameter (never as a literal, an identifier or a
 * branch), which the first call checks by compiling with marker values in their place.
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
  }
  return { sql: compiled.sql, slots, fixed: compiled.parameters };
}
