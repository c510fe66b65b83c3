import type { Migration } from "./index.ts";

export const foundation: Migration = {
  version: 1,
  name: "foundation",
  statements: [
    `CREATE TABLE organizations (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('operator', 'member')),
      credit_code TEXT UNIQUE,
      region_code TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT`,
    // The market has exactly one operator organisation; its people are its API keys.
    `CREATE UNIQUE INDEX organizations_one_operator ON organizations (role) WHERE role = 'operator'`,
    `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      organization_id TEXT NOT NULL REFERENCES organizations (id),
      holder TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    ) STRICT`,
    `CREATE INDEX api_keys_by_organization ON api_keys (organization_id)`,
    // seq is the chain position; inserting head+1 is the guard that serialises all writes.
    `CREATE TABLE audit_events (
      seq INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      actor_key_id TEXT,
      actor_holder TEXT NOT NULL,
      organization_id TEXT,
      action TEXT NOT NULL,
      subject_type TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      state TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    ) STRICT`,
    `CREATE INDEX audit_events_by_subject ON audit_events (subject_id, seq)`,
    `CREATE TABLE idempotency_keys (
      scope TEXT NOT NULL,
      key TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      status INTEGER NOT NULL,
      body TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (scope, key)
    ) STRICT`,
    `CREATE TABLE signing_keys (
      kid TEXT PRIMARY KEY,
      algorithm TEXT NOT NULL,
      private_jwk TEXT NOT NULL,
      public_jwk TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT`,
  ],
};
