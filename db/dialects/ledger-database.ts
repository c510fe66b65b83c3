import type { CompiledQuery, Kysely } from "kysely";
import type { Database } from "../schema.ts";

/** A database handle of either dialect: Kysely for reads, `batch` as the one atomic write. */
export interface LedgerDatabase {
  readonly dialect: "sqlite" | "d1";
  readonly db: Kysely<Database>;
  /** Runs all queries or none: a better-sqlite3 transaction, or a D1 batch. */
  batch(queries: readonly CompiledQuery[]): Promise<void>;
  /** Whether this process is the database's only writer, so write attempts may be queued locally. */
  readonly singleWriter: boolean;
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
