import type { ColumnType, Generated, GeneratedAlways } from "kysely";

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
  hash_version: ColumnType<1 | 2, 1 | 2, never>;
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
  /** Canonical JSON, byte for byte the state of the event `event_seq`: the subject's last. */
  state: string;
  event_seq: number;
  // The rest is generated from `state` (migration 0006, VIRTUAL): read-only to SQL and to Kysely.
  status: GeneratedAlways<string>;
  title: GeneratedAlways<string>;
  contract_number: GeneratedAlways<string>;
  type: GeneratedAlways<string>;
  sub_type: GeneratedAlways<string | null>;
  equity_contribution: GeneratedAlways<number>;
  seller_organization_id: GeneratedAlways<string | null>;
  seller_name: GeneratedAlways<string>;
  seller_credit_code: GeneratedAlways<string>;
  seller_kind: GeneratedAlways<string>;
  seller_region: GeneratedAlways<string>;
  buyer_organization_id: GeneratedAlways<string | null>;
  buyer_name: GeneratedAlways<string>;
  buyer_credit_code: GeneratedAlways<string>;
  buyer_kind: GeneratedAlways<string>;
  buyer_region: GeneratedAlways<string>;
  signed_on: GeneratedAlways<string>;
  valid_from: GeneratedAlways<string>;
  valid_to: GeneratedAlways<string>;
  total_fen: GeneratedAlways<number>;
  technology_fen: GeneratedAlways<number>;
  tech_field: GeneratedAlways<string>;
  ip_type: GeneratedAlways<string>;
  /** JSON array of achievement ids. */
  achievement_ids: GeneratedAlways<string>;
  flow: GeneratedAlways<string>;
  large: GeneratedAlways<number>;
  submitted_at: GeneratedAlways<string>;
  submitted_by_organization_id: GeneratedAlways<string>;
  submitted_by_key_id: GeneratedAlways<string>;
  submitted_by_holder: GeneratedAlways<string>;
  /** The number's normalised key (migrations 0010, 0012): the state's, else legacy_number_key. */
  contract_number_key: GeneratedAlways<string>;
  /** The folded key of a contract recorded before migration 0010, computed by migration 0012. */
  legacy_number_key: string | null;
  review_started_on: GeneratedAlways<string>;
  /** JSON array of {at, holder, keyId}. */
  approvals: GeneratedAlways<string>;
  decision_reason: GeneratedAlways<string | null>;
  registration_year: GeneratedAlways<number | null>;
  registration_serial: GeneratedAlways<number | null>;
  registration_number: GeneratedAlways<string | null>;
  registered_on: GeneratedAlways<string | null>;
  ended_on: GeneratedAlways<string | null>;
  end_reason: GeneratedAlways<string | null>;
  revision: GeneratedAlways<number>;
  updated_at: GeneratedAlways<string>;
}

export interface VolumeEntriesTable {
  id: string;
  /** Canonical JSON, byte for byte the state of the event `event_seq`: the subject's last. */
  state: string;
  event_seq: number;
  // The rest is generated from `state` (migration 0006, VIRTUAL): read-only to SQL and to Kysely.
  contract_id: GeneratedAlways<string>;
  kind: GeneratedAlways<string>;
  entry_on: GeneratedAlways<string>;
  count: GeneratedAlways<number>;
  total_fen: GeneratedAlways<number>;
  technology_fen: GeneratedAlways<number>;
  type: GeneratedAlways<string>;
  tech_field: GeneratedAlways<string>;
  seller_kind: GeneratedAlways<string>;
  buyer_kind: GeneratedAlways<string>;
  ip_type: GeneratedAlways<string>;
  seller_region: GeneratedAlways<string>;
  flow: GeneratedAlways<string>;
  recorded_at: GeneratedAlways<string>;
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
  /** Migration 14: the cell's largest entry (magnitude). */
  largest_total_fen: Generated<number>;
  largest_technology_fen: Generated<number>;
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
  largest_total_fen: Generated<number>;
  largest_technology_fen: Generated<number>;
}

export interface AchievementsTable {
  id: string;
  /** Canonical JSON, byte for byte the state of the event `event_seq`: the subject's last. */
  state: string;
  event_seq: number;
  // Generated from `state` (migration 0008, VIRTUAL).
  status: GeneratedAlways<string>;
  title: GeneratedAlways<string>;
  kind: GeneratedAlways<string>;
  tech_field: GeneratedAlways<string>;
  stage: GeneratedAlways<string>;
  organization_kind: GeneratedAlways<string>;
  submitted_by_organization_id: GeneratedAlways<string>;
  registration_year: GeneratedAlways<number | null>;
  registration_serial: GeneratedAlways<number | null>;
  registration_number: GeneratedAlways<string | null>;
  registered_on: GeneratedAlways<string | null>;
  search_docid: GeneratedAlways<number | null>;
}

export interface AchievementEntriesTable {
  id: string;
  state: string;
  event_seq: number;
  achievement_id: GeneratedAlways<string>;
  change: GeneratedAlways<string>;
  entry_on: GeneratedAlways<string>;
  registered: GeneratedAlways<number>;
  converted: GeneratedAlways<number>;
  kind: GeneratedAlways<string>;
  tech_field: GeneratedAlways<string>;
  stage: GeneratedAlways<string>;
  organization_kind: GeneratedAlways<string>;
  recorded_at: GeneratedAlways<string>;
}

/** Per rollup family and measure (a column name), the sum of its entries' magnitudes (migration 0011). */
export interface RollupGrossTable {
  family: string;
  measure: string;
  gross: number;
}

/** The catalogue's search index (FTS5, migration 0009); rowid is the achievement's `search_docid`. */
export interface AchievementCatalogueTable {
  rowid: number;
  title: string;
  keywords: string;
  abstract: string;
  organizations: string;
  kind: string;
  tech_field: string;
  stage: string;
  /** " transfer license " */
  transfer_modes: string;
}

export interface ImportBatchesTable {
  id: string;
  state: string;
  event_seq: number;
  file_sha256: GeneratedAlways<string>;
  imported_at: GeneratedAlways<string>;
}

export interface BulletinsTable {
  id: string;
  /** Canonical JSON, byte for byte the state of its `bulletin.published` event. */
  state: string;
  event_seq: number;
  // Generated from `state` (migration 0015, VIRTUAL).
  sequence: GeneratedAlways<number>;
  period: GeneratedAlways<string>;
  period_to: GeneratedAlways<string>;
  head_seq: GeneratedAlways<number>;
  tree_size: GeneratedAlways<number>;
  published_at: GeneratedAlways<string>;
}

export interface PledgesTable {
  id: string;
  /** Canonical JSON, byte for byte the state of the event `event_seq`: the subject's last. */
  state: string;
  event_seq: number;
  // Generated from `state` (migration 0013, VIRTUAL).
  status: GeneratedAlways<string>;
  pledgor_organization_id: GeneratedAlways<string | null>;
  pledgor_credit_code: GeneratedAlways<string>;
  pledgee_organization_id: GeneratedAlways<string>;
  submitted_by_organization_id: GeneratedAlways<string>;
  registration_year: GeneratedAlways<number | null>;
  registration_serial: GeneratedAlways<number | null>;
  registration_number: GeneratedAlways<string | null>;
  registered_on: GeneratedAlways<string | null>;
}

export interface PledgeEntriesTable {
  id: string;
  state: string;
  event_seq: number;
  pledge_id: GeneratedAlways<string>;
  change: GeneratedAlways<string>;
  entry_on: GeneratedAlways<string>;
  count: GeneratedAlways<number>;
  secured_fen: GeneratedAlways<number>;
  right_type: GeneratedAlways<string>;
  pledgee: GeneratedAlways<string>;
  size_band: GeneratedAlways<string>;
  pledgor: GeneratedAlways<string>;
  recorded_at: GeneratedAlways<string>;
}

/** One row per right of each submitted or registered pledge (migration 0013), written from the pledge's row. */
export interface PledgeRightsTable {
  right_key: string;
  pledge_id: string;
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
  achievements: AchievementsTable;
  achievement_entries: AchievementEntriesTable;
  achievement_catalogue: AchievementCatalogueTable;
  rollup_gross: RollupGrossTable;
  pledges: PledgesTable;
  bulletins: BulletinsTable;
  import_batches: ImportBatchesTable;
  pledge_entries: PledgeEntriesTable;
  pledge_rights: PledgeRightsTable;
}
