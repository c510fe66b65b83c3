import type { Kysely, Selectable } from "kysely";
import type { ApiKeyRecord } from "../../src/domain/ports.ts";
import type { ApiKeysTable, Database } from "../schema.ts";
import { compiledOnce, rowsOf } from "./compiled-once.ts";

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    holder: row.holder,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function insertApiKey(db: Kysely<Database>, r: ApiKeyRecord) {
  return db
    .insertInto("api_keys")
    .values({
      id: r.id,
      organization_id: r.organizationId,
      holder: r.holder,
      secret_hash: r.secretHash,
      created_at: r.createdAt,
      revoked_at: r.revokedAt,
    })
    .compile();
}

export function revokeApiKey(db: Kysely<Database>, id: string, revokedAt: string) {
  return db.updateTable("api_keys").set({ revoked_at: revokedAt }).where("id", "=", id).compile();
}

const byId = compiledOnce((db, id: string) => db.selectFrom("api_keys").selectAll().where("id", "=", id));

export async function findApiKey(db: Kysely<Database>, id: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await rowsOf(db, byId(db, id));
  return row ? toApiKey(row) : undefined;
}

const firstEventOf = compiledOnce((db, id: string) =>
  db
    .selectFrom("audit_events")
    .select("actor_key_id")
    .where("subject_type", "=", "api_key")
    .where("subject_id", "=", id)
    .orderBy("seq", "asc")
    .limit(1),
);

/** The actor of the key's first event (audit_events_by_type_subject answers it). */
export async function findApiKeyIssuer(db: Kysely<Database>, id: string): Promise<string | null | undefined> {
  const [row] = await rowsOf(db, firstEventOf(db, id));
  return row ? row.actor_key_id : undefined;
}
