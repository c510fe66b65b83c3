import type { Kysely, Selectable } from "kysely";
import { GENESIS } from "../../src/domain/audit-chain.ts";
import type { AuditEvent, AuditHead } from "../../src/domain/ports.ts";
import type { AuditEventsTable, Database } from "../schema.ts";

export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    seq: row.seq,
    at: row.at,
    actorKeyId: row.actor_key_id,
    actorHolder: row.actor_holder,
    organizationId: row.organization_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    state: row.state,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function insertAuditEvent(db: Kysely<Database>, e: AuditEvent) {
  return db
    .insertInto("audit_events")
    .values({
      seq: e.seq,
      at: e.at,
      actor_key_id: e.actorKeyId,
      actor_holder: e.actorHolder,
      organization_id: e.organizationId,
      action: e.action,
      subject_type: e.subjectType,
      subject_id: e.subjectId,
      state: e.state,
      prev_hash: e.prevHash,
      hash: e.hash,
    })
    .compile();
}

export async function auditHead(db: Kysely<Database>): Promise<AuditHead> {
  const row = await db
    .selectFrom("audit_events")
    .select(["seq", "hash"])
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ?? GENESIS;
}

export async function listAuditEvents(db: Kysely<Database>, afterSeq: number, limit: number): Promise<AuditEvent[]> {
  const rows = await db
    .selectFrom("audit_events")
    .selectAll()
    .where("seq", ">", afterSeq)
    .orderBy("seq", "asc")
    .limit(limit)
    .execute();
  return rows.map(toAuditEvent);
}
