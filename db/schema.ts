/** The Kysely view of the database. Money is integer fen; dates and instants ISO text; flags 0/1. */
export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  kind: string;
  role: string;
  credit_code: string | null;
  region_code: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  holder: string;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface AuditEventsTable {
  seq: number;
  at: string;
  actor_key_id: string | null;
  actor_holder: string;
  organization_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  state: string;
  prev_hash: string;
  hash: string;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status: number;
  body: string;
  created_at: string;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
}

export interface Database {
  schema_migrations: SchemaMigrationsTable;
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  signing_keys: SigningKeysTable;
}
