import type { CompiledQuery, Kysely } from "kysely";
import { HeadMovedError } from "../../src/domain/errors.ts";
import type { Change, LedgerStore, SigningKeyRecord } from "../../src/domain/ports.ts";
import { ConstraintViolation, type LedgerDatabase } from "../dialects/ledger-database.ts";
import type { Database } from "../schema.ts";
import * as apiKeys from "./api-keys.ts";
import * as audit from "./audit-events.ts";
import * as organizations from "./organizations.ts";

/** Constraints that mean "someone else wrote first": the operation re-reads and decides again. */
const RACE_TARGETS = new Set(["audit_events.seq", "idempotency_keys.scope, idempotency_keys.key"]);

function compileChange(db: Kysely<Database>, change: Change): CompiledQuery {
  switch (change.kind) {
    case "organization.insert":
      return organizations.insertOrganization(db, change.record);
    case "apiKey.insert":
      return apiKeys.insertApiKey(db, change.record);
    case "apiKey.revoke":
      return apiKeys.revokeApiKey(db, change.id, change.revokedAt);
    case "idempotency.insert": {
      const r = change.record;
      return db
        .insertInto("idempotency_keys")
        .values({
          scope: r.scope,
          key: r.key,
          request_hash: r.requestHash,
          status: r.status,
          body: r.body,
          created_at: r.createdAt,
        })
        .compile();
    }
  }
}

export function createLedgerStore(database: LedgerDatabase): LedgerStore {
  const { db } = database;
  return {
    async ping() {
      await db.selectFrom("schema_migrations").select("version").limit(1).execute();
    },
    auditHead: () => audit.auditHead(db),
    async commit(writeSet) {
      // Events first: if the head moved, the first statement fails and nothing else is tried.
      const queries = [
        ...writeSet.events.map((e) => audit.insertAuditEvent(db, e)),
        ...writeSet.changes.map((c) => compileChange(db, c)),
      ];
      try {
        await database.batch(queries);
      } catch (error) {
        if (error instanceof ConstraintViolation && RACE_TARGETS.has(error.target)) {
          throw new HeadMovedError(`another write landed first (${error.target})`);
        }
        throw error;
      }
    },
    findOrganization: (id) => organizations.findOrganizationWhere(db, "id", id),
    findOrganizationByCreditCode: (code) => organizations.findOrganizationWhere(db, "credit_code", code),
    findOperatorOrganization: () => organizations.findOrganizationWhere(db, "role", "operator"),
    findApiKey: (id) => apiKeys.findApiKey(db, id),
    async findIdempotency(scope, key) {
      const row = await db
        .selectFrom("idempotency_keys")
        .selectAll()
        .where("scope", "=", scope)
        .where("key", "=", key)
        .executeTakeFirst();
      return row
        ? {
            scope: row.scope,
            key: row.key,
            requestHash: row.request_hash,
            status: row.status,
            body: row.body,
            createdAt: row.created_at,
          }
        : undefined;
    },
    listAuditEvents: (afterSeq, limit) => audit.listAuditEvents(db, afterSeq, limit),
    async findSigningKey() {
      const row = await db
        .selectFrom("signing_keys")
        .selectAll()
        .orderBy("created_at", "asc")
        .limit(1)
        .executeTakeFirst();
      return row ? toSigningKey(row) : undefined;
    },
    async putSigningKeyIfAbsent(record) {
      await database.batch([
        db
          .insertInto("signing_keys")
          .values({
            kid: record.kid,
            algorithm: record.algorithm,
            private_jwk: record.privateJwk,
            public_jwk: record.publicJwk,
            created_at: record.createdAt,
          })
          .compile(),
      ]);
      const first = await db
        .selectFrom("signing_keys")
        .selectAll()
        .orderBy("created_at", "asc")
        .limit(1)
        .executeTakeFirstOrThrow();
      return toSigningKey(first);
    },
  };
}

function toSigningKey(row: Database["signing_keys"]): SigningKeyRecord {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    privateJwk: row.private_jwk,
    publicJwk: row.public_jwk,
    createdAt: row.created_at,
  };
}
