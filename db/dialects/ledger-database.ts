import {
  type CompiledQuery,
  type Driver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import type { Database } from "../schema.ts";

/** A database handle of either dialect: Kysely for reads, `batch` as the one atomic write. */
export interface LedgerDatabase {
  readonly dialect: "sqlite" | "d1";
  /** The connection writes go through; reads made while deciding a write use it too. */
  readonly db: Kysely<Database>;
  /**
   * Where other reads go: they see only committed data (on better-sqlite3, the writing connection
   * when no group is open on it, else a second, query-only one), or `db` where there is one
   * connection (D1, an in-memory database). Committed data may not be on disk yet: responses wait
   * for `durable()`.
   */
  readonly readDb: Kysely<Database>;
  /** Runs all queries or none: a better-sqlite3 transaction (a savepoint inside a group), or a D1 batch. */
  batch(queries: readonly CompiledQuery[]): Promise<void>;
  /**
   * Where this process is the database's only writer, runs write attempts one at a time and
   * commits them in groups (see sqlite.ts). Absent on D1: attempts run at once and the audit
   * head guard alone keeps them correct.
   */
  readonly attempt?: <T>(run: () => Promise<T>) => Promise<T>;
  /**
   * Resolves once everything committed so far is on disk, where commits are acknowledged before
   * the log is synced (better-sqlite3 on a file). A response is held for it, so nothing a reader
   * saw can vanish in a crash after it was shown.
   */
  readonly durable?: () => Promise<void>;
  close(): Promise<void>;
}

/** A constraint refused a write; `target` is e.g. "audit_events.seq". */
export class ConstraintViolation extends Error {
  constructor(
    readonly constraint: string,
    readonly target: string,
    cause: unknown,
  ) {
    super(`${constraint} constraint failed: ${target}`, { cause });
    this.name = "ConstraintViolation";
  }
}

const CONSTRAINT_MESSAGE = /(UNIQUE|PRIMARY KEY|FOREIGN KEY|CHECK|NOT NULL) constraint failed: ?([\w.]*(?:, [\w.]+)*)/;

/** Both better-sqlite3 and D1 carry SQLite's own message text; read the constraint from it. */
export function asConstraintViolation(error: unknown): ConstraintViolation | null {
  const message =
    error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : "";
  const match = CONSTRAINT_MESSAGE.exec(message);
  return match ? new ConstraintViolation(match[1] ?? "", match[2] ?? "", error) : null;
}

/** Kysely speaking SQLite through a driver of our own (D1's binding, or one better-sqlite3 connection). */
export function sqliteKysely(driver: Driver): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}
