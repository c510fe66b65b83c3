import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from "kysely";
import { asConstraintViolation, type LedgerDatabase, sqliteKysely } from "./ledger-database.ts";

/** The slice of Cloudflare's D1 binding we use, so the Node build needs no Workers types. */
export interface D1Statement {
  bind(...values: unknown[]): D1Statement;
  all<T = Record<string, unknown>>(): Promise<{ results: T[]; meta: { changes?: number; last_row_id?: number } }>;
}
export interface D1Binding {
  prepare(sql: string): D1Statement;
  batch(statements: D1Statement[]): Promise<unknown[]>;
}

class D1Connection implements DatabaseConnection {
  constructor(private readonly binding: D1Binding) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const result = await this.binding
        .prepare(query.sql)
        .bind(...query.parameters)
        .all<R>();
      return {
        rows: result.results ?? [],
        numAffectedRows: BigInt(result.meta.changes ?? 0),
        insertId: result.meta.last_row_id === undefined ? undefined : BigInt(result.meta.last_row_id),
      };
    } catch (error) {
      throw asConstraintViolation(error) ?? error;
    }
  }

  // biome-ignore lint/correctness/useYield: D1 cannot stream; Kysely only calls this for .stream()
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("D1 does not stream query results");
  }
}

/** D1 has no interactive transactions: Kysely transactions fail loudly; writes go through `batch`. */
class D1Driver implements Driver {
  constructor(private readonly binding: D1Binding) {}
  async init() {}
  async acquireConnection() {
    return new D1Connection(this.binding);
  }
  async beginTransaction(): Promise<void> {
    throw new Error("D1 has no interactive transactions: use LedgerDatabase.batch");
  }
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection() {}
  async destroy() {}
}

export function openD1(binding: D1Binding): LedgerDatabase {
  const db = sqliteKysely(new D1Driver(binding));
  return {
    dialect: "d1",
    db,
    readDb: db,
    async batch(queries) {
      if (queries.length === 0) return;
      try {
        await binding.batch(queries.map((q) => binding.prepare(q.sql).bind(...q.parameters)));
      } catch (error) {
        throw asConstraintViolation(error) ?? error;
      }
    },
    async close() {},
  };
}
