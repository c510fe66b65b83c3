import type { Migration } from "./index.ts";

/**
 * A contract or volume entry row stores the canonical JSON its last audit event recorded (`state`,
 * byte for byte) and that event's seq; every other column is generated from `state`, so queries,
 * indexes and constraints work as before and no column can be changed apart from the state.
 * Verification then compares rows with events as text, in SQL, instead of rebuilding JSON per row.
 *
 * The generated columns are VIRTUAL: the app reads a row as its state, and every column a query
 * filters or groups on is in an index, which stores its value. Stored copies would double the
 * rows verification reads (2.0 KB a contract instead of 1.3 KB) for nothing any query uses.
 *
 * Existing rows are copied by building `state` from their OLD columns (as the domain mapped them,
 * keys sorted at every depth), never from the events: a row edited before this migration stays
 * different from its event, and verification still reports it.
 */

/** [column, declared type and constraints, JSON path in the state], in the frozen column order. */
type Generated = [column: string, declaration: string, path: string];

const CONTRACT_COLUMNS: Generated[] = [
  [
    "status",
    "TEXT NOT NULL CHECK (status IN ('submitted', 'correction_requested', 'registered', 'rejected', 'cancelled', 'revoked'))",
    "status",
  ],
  ["title", "TEXT NOT NULL", "title"],
  ["contract_number", "TEXT NOT NULL", "contractNumber"],
  ["type", "TEXT NOT NULL", "type"],
  ["sub_type", "TEXT", "subType"],
  ["equity_contribution", "INTEGER NOT NULL CHECK (equity_contribution IN (0, 1))", "equityContribution"],
  ["seller_organization_id", "TEXT REFERENCES organizations (id)", "seller.organizationId"],
  ["seller_name", "TEXT NOT NULL", "seller.name"],
  ["seller_credit_code", "TEXT NOT NULL", "seller.creditCode"],
  ["seller_kind", "TEXT NOT NULL", "seller.kind"],
  ["seller_region", "TEXT NOT NULL", "seller.regionCode"],
  ["buyer_organization_id", "TEXT REFERENCES organizations (id)", "buyer.organizationId"],
  ["buyer_name", "TEXT NOT NULL", "buyer.name"],
  ["buyer_credit_code", "TEXT NOT NULL", "buyer.creditCode"],
  ["buyer_kind", "TEXT NOT NULL", "buyer.kind"],
  ["buyer_region", "TEXT NOT NULL", "buyer.regionCode"],
  ["signed_on", "TEXT NOT NULL", "signedOn"],
  ["valid_from", "TEXT NOT NULL", "validFrom"],
  ["valid_to", "TEXT NOT NULL", "validTo"],
  ["total_fen", "INTEGER NOT NULL CHECK (total_fen > 0)", "totalFen"],
  ["technology_fen", "INTEGER NOT NULL CHECK (technology_fen >= 0 AND technology_fen <= total_fen)", "technologyFen"],
  ["tech_field", "TEXT NOT NULL", "techField"],
  ["ip_type", "TEXT NOT NULL", "ipType"],
  ["achievement_ids", "TEXT NOT NULL", "achievementIds"],
  ["flow", "TEXT NOT NULL", "flow"],
  ["large", "INTEGER NOT NULL CHECK (large IN (0, 1))", "large"],
  ["submitted_at", "TEXT NOT NULL", "submittedAt"],
  ["submitted_by_organization_id", "TEXT NOT NULL REFERENCES organizations (id)", "submittedByOrganizationId"],
  ["submitted_by_key_id", "TEXT NOT NULL", "submittedByKeyId"],
  ["submitted_by_holder", "TEXT NOT NULL", "submittedByHolder"],
  ["review_started_on", "TEXT NOT NULL", "reviewStartedOn"],
  ["approvals", "TEXT NOT NULL", "approvals"],
  ["decision_reason", "TEXT", "decisionReason"],
  ["registration_year", "INTEGER", "registrationYear"],
  ["registration_serial", "INTEGER", "registrationSerial"],
  ["registration_number", "TEXT UNIQUE", "registrationNumber"],
  ["registered_on", "TEXT", "registeredOn"],
  ["ended_on", "TEXT", "endedOn"],
  ["end_reason", "TEXT", "endReason"],
  ["revision", "INTEGER NOT NULL", "revision"],
  ["updated_at", "TEXT NOT NULL", "updatedAt"],
];

const VOLUME_COLUMNS: Generated[] = [
  ["contract_id", "TEXT NOT NULL REFERENCES tech_contracts_next (id)", "contractId"],
  ["kind", "TEXT NOT NULL CHECK (kind IN ('registration', 'cancellation', 'revocation'))", "kind"],
  ["entry_on", "TEXT NOT NULL", "entryOn"],
  ["count", "INTEGER NOT NULL CHECK (count IN (-1, 1))", "count"],
  ["total_fen", "INTEGER NOT NULL", "totalFen"],
  ["technology_fen", "INTEGER NOT NULL", "technologyFen"],
  ["type", "TEXT NOT NULL", "type"],
  ["tech_field", "TEXT NOT NULL", "techField"],
  ["seller_kind", "TEXT NOT NULL", "sellerKind"],
  ["buyer_kind", "TEXT NOT NULL", "buyerKind"],
  ["ip_type", "TEXT NOT NULL", "ipType"],
  ["seller_region", "TEXT NOT NULL", "sellerRegion"],
  ["flow", "TEXT NOT NULL", "flow"],
  ["recorded_at", "TEXT NOT NULL", "recordedAt"],
];

/** JSON arrays and objects are kept as JSON text (`->`), everything else as its SQL value (`->>`). */
const JSON_VALUED = new Set(["achievementIds", "approvals"]);

const createTable = (name: string, columns: Generated[], tail: string[]) =>
  `CREATE TABLE ${name} (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      event_seq INTEGER NOT NULL,
      ${columns
        .map(
          ([column, declaration, path]) =>
            `${column} ${declaration.replace(
              /^(TEXT|INTEGER)/,
              `$1 GENERATED ALWAYS AS (state ${JSON_VALUED.has(path) ? "->" : "->>"} '$.${path}') VIRTUAL`,
            )}`,
        )
        .join(",\n      ")},
      CHECK (id = state ->> '$.id'),
      ${tail.join(",\n      ")}
    ) STRICT`;

/**
 * D1 allows at most 32 arguments to a function: a wide object starts as json_object of its first
 * keys and json_set appends the rest (a new key goes at the end), keys in canonical (sorted) order.
 */
function jsonObject(entries: [key: string, sql: string][]): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let object = `json_object(${sorted
    .slice(0, 16)
    .map(([k, v]) => `'${k}', ${v}`)
    .join(", ")})`;
  for (let i = 16; i < sorted.length; i += 15) {
    object = `json_set(${object}, ${sorted
      .slice(i, i + 15)
      .map(([k, v]) => `'$.${k}', ${v}`)
      .join(", ")})`;
  }
  return object;
}

const bool = (column: string) => `CASE WHEN ${column} = 1 THEN json('true') ELSE json('false') END`;

/** A JSON column as the domain read it (JSON.parse, then keys sorted); text that is not JSON stays a string. */
const jsonArrayOfStrings = (column: string) =>
  `CASE WHEN json_valid(${column}) THEN json(${column}) ELSE ${column} END`;

/** Approvals were stored {keyId, holder, at}: each object's keys are sorted as canonical JSON sorts them. */
const approvals = (column: string) => `CASE WHEN json_valid(${column}) AND json_type(${column}) = 'array' THEN json((
    SELECT json_group_array(
      CASE WHEN a.type = 'object' THEN json((
        SELECT json_group_object(f.key, f.value ORDER BY f.key) FROM json_each(a.value) AS f
      )) ELSE a.value END
      ORDER BY a.id)
    FROM json_each(${column}) AS a
  )) ELSE ${jsonArrayOfStrings(column)} END`;

const party = (prefix: string) =>
  `json_object('creditCode', ${prefix}_credit_code, 'kind', ${prefix}_kind, 'name', ${prefix}_name,
    'organizationId', ${prefix}_organization_id, 'regionCode', ${prefix}_region)`;

const contractState = jsonObject([
  ["id", "id"],
  ["status", "status"],
  ["title", "title"],
  ["contractNumber", "contract_number"],
  ["type", "type"],
  ["subType", "sub_type"],
  ["equityContribution", bool("equity_contribution")],
  ["seller", party("seller")],
  ["buyer", party("buyer")],
  ["signedOn", "signed_on"],
  ["validFrom", "valid_from"],
  ["validTo", "valid_to"],
  ["totalFen", "total_fen"],
  ["technologyFen", "technology_fen"],
  ["techField", "tech_field"],
  ["ipType", "ip_type"],
  ["achievementIds", jsonArrayOfStrings("achievement_ids")],
  ["flow", "flow"],
  ["large", bool("large")],
  ["submittedAt", "submitted_at"],
  ["submittedByOrganizationId", "submitted_by_organization_id"],
  ["submittedByKeyId", "submitted_by_key_id"],
  ["submittedByHolder", "submitted_by_holder"],
  ["reviewStartedOn", "review_started_on"],
  ["approvals", approvals("approvals")],
  ["decisionReason", "decision_reason"],
  ["registrationYear", "registration_year"],
  ["registrationSerial", "registration_serial"],
  ["registrationNumber", "registration_number"],
  ["registeredOn", "registered_on"],
  ["endedOn", "ended_on"],
  ["endReason", "end_reason"],
  ["revision", "revision"],
  ["updatedAt", "updated_at"],
]);

const volumeState = jsonObject([
  ["id", "id"],
  ["contractId", "contract_id"],
  ["kind", "kind"],
  ["entryOn", "entry_on"],
  ["count", "count"],
  ["totalFen", "total_fen"],
  ["technologyFen", "technology_fen"],
  ["type", "type"],
  ["techField", "tech_field"],
  ["sellerKind", "seller_kind"],
  ["buyerKind", "buyer_kind"],
  ["ipType", "ip_type"],
  ["sellerRegion", "seller_region"],
  ["flow", "flow"],
  ["recordedAt", "recorded_at"],
]);

/** A volume entry's rollup cell and figures, as index columns. */
const CELL =
  "type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow, count, total_fen, technology_fen";

/** 0 when the row has no event at all: no event has seq 0, so verification reports the row. */
const lastSeq = (type: string) =>
  `coalesce((SELECT max(seq) FROM audit_events WHERE subject_type = '${type}' AND subject_id = t.id), 0)`;

export const stateRows: Migration = {
  version: 6,
  name: "state-rows",
  statements: [
    createTable("tech_contracts_next", CONTRACT_COLUMNS, ["UNIQUE (registration_year, registration_serial)"]),
    `INSERT INTO tech_contracts_next (id, state, event_seq)
     SELECT id, ${contractState}, ${lastSeq("tech_contract")} FROM tech_contracts AS t ORDER BY rowid`,
    // References tech_contracts_next: renaming that table below rewrites the reference, and no row
    // of the new table ever points at the old one, so dropping the old tables breaks no key.
    createTable("volume_entries_next", VOLUME_COLUMNS, ["UNIQUE (contract_id, kind)"]),
    `INSERT INTO volume_entries_next (id, state, event_seq)
     SELECT id, ${volumeState}, ${lastSeq("volume_entry")} FROM volume_entries AS t ORDER BY rowid`,
    "DROP TABLE volume_entries",
    "DROP TABLE tech_contracts",
    "ALTER TABLE tech_contracts_next RENAME TO tech_contracts",
    "ALTER TABLE volume_entries_next RENAME TO volume_entries",
    `CREATE UNIQUE INDEX tech_contracts_one_live_number
      ON tech_contracts (seller_credit_code, contract_number) WHERE status <> 'rejected'`,
    "CREATE INDEX tech_contracts_by_seller_org ON tech_contracts (seller_organization_id, id)",
    "CREATE INDEX tech_contracts_by_buyer_org ON tech_contracts (buyer_organization_id, id)",
    "CREATE INDEX tech_contracts_by_status ON tech_contracts (status, id)",
    "CREATE INDEX tech_contracts_by_registered_on ON tech_contracts (registered_on)",
    // Verification reads the rows of a stretch of the chain by the event they name.
    "CREATE INDEX tech_contracts_by_event ON tech_contracts (event_seq)",
    "CREATE INDEX volume_entries_by_event ON volume_entries (event_seq)",
    // Covering, in the order of the rollups' keys: a breakdown's partial months, the daily totals
    // and the full-set monthly cells are read from an index in order; no row is read, nothing sorted.
    `CREATE INDEX volume_entries_by_day ON volume_entries (entry_on, ${CELL})`,
    // entry_on last: without it the index does not cover a query that names substr(entry_on, 1, 7).
    `CREATE INDEX volume_entries_by_cell ON volume_entries (substr(entry_on, 1, 7), ${CELL}, entry_on)`,
  ],
};
