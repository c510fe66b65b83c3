import { type CompiledQuery, type Kysely, sql } from "kysely";
import { ConflictError, HeadMovedError } from "../../src/domain/errors.ts";
import { ROLLUP_FAMILIES, type RollupFamily } from "../../src/domain/ledger/rollup-families.ts";
import { type ColumnSubjectType, isStateSubject } from "../../src/domain/ledger/subjects.ts";
import { formatYuan } from "../../src/domain/money.ts";
import { apiKeyState } from "../../src/domain/organizations/api-keys.ts";
import type {
  AuditEvent,
  Change,
  LedgerStore,
  OrganizationRecord,
  SigningKeyRecord,
  StateSubjectType,
  SubjectCheck,
} from "../../src/domain/ports.ts";
import { ConstraintViolation, type LedgerDatabase } from "../dialects/ledger-database.ts";
import type { Database } from "../schema.ts";
import * as achievements from "./achievements.ts";
import * as apiKeys from "./api-keys.ts";
import * as audit from "./audit-events.ts";
import * as bulletins from "./bulletins.ts";
import { compiledOnce, rowsOf } from "./compiled-once.ts";
import * as organizations from "./organizations.ts";
import * as pledges from "./pledges.ts";
import {
  BATCH_ROLLUP_FROM,
  batchRollupWrites,
  GROSS_CONSTRAINT,
  GROSS_LIMIT,
  rollupBreakdown,
  rollupWrites,
} from "./rollups.ts";
import { stateRowWrites } from "./state-tables.ts";
import * as statistics from "./statistics.ts";
import * as contracts from "./tech-contracts.ts";
import * as verification from "./verification.ts";

const insertIdempotency = compiledOnce(
  (db, scope: string, key: string, requestHash: string, status: number, body: string, createdAt: string) =>
    db
      .insertInto("idempotency_keys")
      .values({ scope, key, request_hash: requestHash, status, body, created_at: createdAt }),
);
const idempotencyByKey = compiledOnce((db, scope: string, key: string) =>
  db.selectFrom("idempotency_keys").selectAll().where("scope", "=", scope).where("key", "=", key),
);

/** Constraints that mean "someone else wrote first": the operation re-reads and decides again. */
const RACE_TARGETS = new Set([
  "audit_events.seq",
  "idempotency_keys.scope, idempotency_keys.key",
  // A right taken by a pledge committed since our read: deciding again finds it and says which.
  "pledge_rights.right_key",
]);

/**
 * Every state subject's row is its last event's state text and seq in the write set, so row and
 * event cannot differ by even a byte; an entry's rollups are derived from the same state.
 */
function stateWrites(db: Kysely<Database>, events: readonly AuditEvent[]): CompiledQuery[] {
  const last = new Map<string, AuditEvent>();
  for (const event of events) {
    if (isStateSubject(event.subjectType)) last.set(`${event.subjectType} ${event.subjectId}`, event);
  }
  const queries: CompiledQuery[] = [];
  // A family with many entries here (an import batch) has them summed per cell after their rows.
  const entrySeqs = new Map<RollupFamily, number[]>();
  for (const event of last.values()) {
    const family = familyOf(event.subjectType);
    if (family) entrySeqs.set(family, [...(entrySeqs.get(family) ?? []), event.seq]);
  }
  for (const event of last.values()) {
    const type = event.subjectType as StateSubjectType;
    queries.push(...stateRowWrites(db, type, { id: event.subjectId, state: event.state, eventSeq: event.seq }));
    const family = familyOf(type);
    if (family && (entrySeqs.get(family)?.length ?? 0) < BATCH_ROLLUP_FROM)
      queries.push(...rollupWrites(family, JSON.parse(event.state) as Record<string, unknown>));
  }
  for (const [family, seqs] of entrySeqs) {
    if (seqs.length >= BATCH_ROLLUP_FROM)
      queries.push(...batchRollupWrites(family, Math.min(...seqs), Math.max(...seqs)));
  }
  return queries;
}

const familyOf = (type: string) => (ROLLUP_FAMILIES as Partial<Record<string, RollupFamily>>)[type];

function compileChange(db: Kysely<Database>, change: Change): CompiledQuery {
  switch (change.kind) {
    case "organization.insert":
      return organizations.insertOrganization(db, change.record);
    case "apiKey.insert":
      return apiKeys.insertApiKey(db, change.record);
    case "apiKey.revoke":
      return apiKeys.revokeApiKey(db, change.id, change.revokedAt);
    case "goal.insert":
      return statistics.insertGoal(db, change.record);
    case "idempotency.insert": {
      const r = change.record;
      return insertIdempotency(db, r.scope, r.key, r.requestHash, r.status, r.body, r.createdAt);
    }
  }
}

/**
 * The store over a database. Write attempts get a store on the writing connection, so what they
 * read to decide includes the writes made ahead of them in the same group; every other read goes
 * to the reading side (`readDb`), which shows only what is committed.
 */
export function createLedgerStore(database: LedgerDatabase): LedgerStore {
  const attempt: LedgerStore["attempt"] = (run) =>
    database.attempt ? database.attempt(() => run(writer)) : run(writer);
  const oneConnection = database.readDb === database.db;
  const known = oneConnection ? null : knownOrganizations();
  const writer = storeOn(database, database.db, attempt, known && { get: known.get });
  return oneConnection ? writer : storeOn(database, database.readDb, attempt, known);
}

const KNOWN_ORGANIZATIONS = 10_000;

/**
 * Organisations, once committed, never change (no write updates or removes one), yet every
 * request reads one to authenticate and a contract reads its two parties: they are kept here by
 * id. Only the committed-only reading side adds to it, so it holds only what is committed; write
 * attempts may also look here, since what is committed is visible to them too. Where one
 * connection does everything (in memory), nothing is kept.
 */
function knownOrganizations() {
  const byId = new Map<string, OrganizationRecord>();
  return {
    get: (id: string) => byId.get(id),
    add(organization: OrganizationRecord) {
      if (byId.size >= KNOWN_ORGANIZATIONS) byId.clear();
      byId.set(organization.id, Object.freeze({ ...organization }));
    },
  };
}

function storeOn(
  database: LedgerDatabase,
  db: Kysely<Database>,
  attempt: LedgerStore["attempt"],
  known: { get(id: string): OrganizationRecord | undefined; add?(organization: OrganizationRecord): void } | null,
): LedgerStore {
  // Large reads are cut into statements where statements run on the event loop (rollupBreakdown).
  const splitsReads = database.dialect === "sqlite";
  return {
    attempt,
    durable: () => database.durable?.() ?? Promise.resolve(),
    async ping() {
      await db.selectFrom("schema_migrations").select("version").limit(1).execute();
    },
    auditHead: () => audit.auditHead(db),
    async commit(writeSet) {
      // Events first: if the head moved, the first statement fails and nothing else is tried.
      const queries = [
        ...writeSet.events.map((e) => audit.insertAuditEvent(db, e)),
        ...writeSet.changes.map((c) => compileChange(db, c)),
        ...stateWrites(db, writeSet.events),
      ];
      try {
        await database.batch(queries);
      } catch (error) {
        if (error instanceof ConstraintViolation && RACE_TARGETS.has(error.target)) {
          throw new HeadMovedError(`another write landed first (${error.target})`);
        }
        if (error instanceof ConstraintViolation && error.target === GROSS_CONSTRAINT) {
          throw new ConflictError(
            `this write would take the sum of the ledger's amounts past ${formatYuan(GROSS_LIMIT)} yuan ` +
              "(2^53 fen), beyond which statistics cannot be summed exactly; nothing was written",
          );
        }
        throw error;
      }
    },
    async findOrganization(id) {
      const cached = known?.get(id);
      if (cached) return cached;
      const found = await organizations.findOrganizationWhere(db, "id", id);
      if (found) known?.add?.(found);
      return found;
    },
    findOrganizationByCreditCode: (code) => organizations.findOrganizationWhere(db, "credit_code", code),
    findOperatorOrganization: () => organizations.findOrganizationWhere(db, "role", "operator"),
    findApiKey: (id) => apiKeys.findApiKey(db, id),
    findApiKeyIssuer: (id) => apiKeys.findApiKeyIssuer(db, id),
    async findIdempotency(scope, key) {
      const [row] = await rowsOf(db, idempotencyByKey(db, scope, key));
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
    findTechContract: (id) => contracts.findTechContract(db, id),
    findLiveContractsByNumber: (code, numberKey) => contracts.findLiveByNumber(db, code, numberKey),
    maxRegistrationSerial: (year) => contracts.maxRegistrationSerial(db, year),
    findRegistration: (number, year, serial) => contracts.findRegistration(db, number, year, serial),
    listTechContracts: (filter) => contracts.listTechContracts(db, filter),
    checkSubjects: (type, afterId, limit) =>
      isStateSubject(type)
        ? verification.checkStateSubjects(db, type, afterId, limit)
        : checkSubjects(db, type, afterId, limit),
    findAchievement: (id) => achievements.findAchievement(db, id),
    maxAchievementSerial: (year, kind) => achievements.maxAchievementSerial(db, year, kind),
    searchCatalogue: (filter) => achievements.searchCatalogue(db, filter),
    findBulletin: (id) => bulletins.findBulletin(db, id),
    findBulletinByPeriod: (period) => bulletins.findBulletinByPeriod(db, period),
    lastBulletin: () => bulletins.lastBulletin(db),
    listBulletins: () => bulletins.listBulletins(db),
    bulletinLeaves: (uptoSeq, to, after, limit) => bulletins.bulletinLeaves(db, uptoSeq, to, after, limit),
    contractLeaves: (contractId) => bulletins.contractLeaves(db, contractId),
    findPledge: (id) => pledges.findPledge(db, id),
    maxPledgeSerial: (year) => pledges.maxPledgeSerial(db, year),
    findRightHolders: (keys) => pledges.findRightHolders(db, keys),
    listPledges: (filter) => pledges.listPledges(db, filter),
    pledgorCounts: (query) => pledges.pledgorCounts(db, query),
    rollupBreakdown: (family, query) => rollupBreakdown(db, ROLLUP_FAMILIES[family], query, splitsReads),
    auditChainStretch: (afterSeq, uptoSeq) => verification.auditChainStretch(database.dialect, db, afterSeq, uptoSeq),
    stateRowTallies: (afterSeq, uptoSeq) => verification.stateRowTallies(db, afterSeq, uptoSeq),
    stateSubjectTotals: (type, headSeq) => verification.stateSubjectTotals(db, type, headSeq),
    suspectStateSubjects: (type, limit) => verification.suspectStateSubjects(db, type, limit),
    countStateSubjects: (type) => verification.countStateSubjects(db, type),
    listGoals: () => statistics.listGoals(db),
    volumeTotals: (from, to) => statistics.volumeTotals(db, from, to),
    reachedOn: (from, to, amount, target) => statistics.reachedOn(db, from, to, amount, target),
    volumeBreakdown: (query) => statistics.volumeBreakdown(db, query, splitsReads),
    checkRollups: () => statistics.checkRollups(db),
    async legacySigningKeys() {
      const rows = await db.selectFrom("signing_keys").selectAll().orderBy("created_at", "asc").execute();
      return rows.map(toSigningKey);
    },
    async purgeLegacySigningKeys() {
      if (database.dialect === "sqlite") {
        // Overwrite the deleted rows with zeros, and empty the write-ahead log that still holds the
        // pages as they were, so that the key is not left in free space of either file.
        await sql`PRAGMA secure_delete = ON`.execute(database.db);
        await database.batch([db.deleteFrom("signing_keys").compile()]);
        await sql`PRAGMA secure_delete = OFF`.execute(database.db);
        await database.durable?.();
        await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(database.db);
      } else {
        await database.batch([db.deleteFrom("signing_keys").compile()]);
      }
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

const SUBJECT_TABLES = {
  organization: { table: "organizations", map: organizations.toOrganization },
  api_key: { table: "api_keys", map: (row: Database["api_keys"]) => apiKeyState(apiKeys.toApiKey(row)) },
  goal: { table: "goals", map: statistics.toGoal },
} as const satisfies Record<ColumnSubjectType, { table: keyof Database; map: (row: never) => unknown }>;

/**
 * Pages over every id that has a row or an event of this subject type, with the row (mapped as
 * the domain sees it) and the last event's state, so a missing row, a missing event and a
 * changed byte all show.
 */
async function checkSubjects(
  db: Kysely<Database>,
  type: ColumnSubjectType,
  afterId: string,
  limit: number,
): Promise<SubjectCheck[]> {
  const { table, map } = SUBJECT_TABLES[type];
  const result = await sql<Record<string, unknown>>`
    SELECT ids.subject_id AS __subject, e.seq AS __seq, e.state AS __state, t.*
    FROM (
      SELECT subject_id FROM (
        SELECT id AS subject_id FROM ${sql.table(table)} WHERE id > ${afterId} ORDER BY id LIMIT ${limit}
      )
      UNION
      SELECT subject_id FROM (
        SELECT DISTINCT subject_id FROM audit_events
        WHERE subject_type = ${type} AND subject_id > ${afterId} ORDER BY subject_id LIMIT ${limit}
      )
      ORDER BY subject_id LIMIT ${limit}
    ) AS ids
    LEFT JOIN ${sql.table(table)} AS t ON t.id = ids.subject_id
    LEFT JOIN audit_events AS e
      ON e.seq = (SELECT max(seq) FROM audit_events WHERE subject_type = ${type} AND subject_id = ids.subject_id)
    ORDER BY ids.subject_id`.execute(db);
  return result.rows.map((row) => {
    const { __subject, __seq, __state, ...columns } = row;
    return {
      subjectId: String(__subject),
      current: columns.id == null ? null : (map as (r: unknown) => unknown)(columns),
      lastEventSeq: __seq == null ? null : Number(__seq),
      lastEventState: __state == null ? null : String(__state),
    };
  });
}
