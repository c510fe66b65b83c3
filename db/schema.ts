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

export interface TechContractsTable {
  id: string;
  status: string;
  title: string;
  contract_number: string;
  type: string;
  sub_type: string | null;
  equity_contribution: number;
  seller_organization_id: string | null;
  seller_name: string;
  seller_credit_code: string;
  seller_kind: string;
  seller_region: string;
  buyer_organization_id: string | null;
  buyer_name: string;
  buyer_credit_code: string;
  buyer_kind: string;
  buyer_region: string;
  signed_on: string;
  valid_from: string;
  valid_to: string;
  total_fen: number;
  technology_fen: number;
  tech_field: string;
  ip_type: string;
  /** JSON array of achievement ids. */
  achievement_ids: string;
  flow: string;
  large: number;
  submitted_at: string;
  submitted_by_organization_id: string;
  submitted_by_key_id: string;
  submitted_by_holder: string;
  review_started_on: string;
  /** JSON array of {keyId, holder, at}. */
  approvals: string;
  decision_reason: string | null;
  registration_year: number | null;
  registration_serial: number | null;
  registration_number: string | null;
  registered_on: string | null;
  ended_on: string | null;
  end_reason: string | null;
  revision: number;
  updated_at: string;
}

export interface VolumeEntriesTable {
  id: string;
  contract_id: string;
  kind: string;
  entry_on: string;
  count: number;
  total_fen: number;
  technology_fen: number;
  type: string;
  tech_field: string;
  seller_kind: string;
  buyer_kind: string;
  ip_type: string;
  seller_region: string;
  flow: string;
  recorded_at: string;
}

export interface GoalsTable {
  id: string;
  name: string;
  target_fen: number;
  starts_on: string;
  ends_on: string;
  amount: string;
  created_at: string;
}

export interface VolumeDailyTable {
  day: string;
  count: number;
  total_fen: number;
  technology_fen: number;
}

export interface VolumeMonthlyTable {
  cuboid: number;
  month: string;
  type: string;
  tech_field: string;
  seller_kind: string;
  buyer_kind: string;
  ip_type: string;
  seller_region: string;
  flow: string;
  count: number;
  total_fen: number;
  technology_fen: number;
}

export interface VolumePeriodsTable {
  cuboid: number;
  grain: string;
  period: string;
  type: string;
  tech_field: string;
  seller_kind: string;
  buyer_kind: string;
  ip_type: string;
  seller_region: string;
  flow: string;
  count: number;
  total_fen: number;
  technology_fen: number;
}

export interface Database {
  schema_migrations: SchemaMigrationsTable;
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  signing_keys: SigningKeysTable;
  tech_contracts: TechContractsTable;
  volume_entries: VolumeEntriesTable;
  goals: GoalsTable;
  volume_daily: VolumeDailyTable;
  volume_monthly: VolumeMonthlyTable;
  volume_periods: VolumePeriodsTable;
}
