import { CompiledQuery, type Kysely, sql } from "kysely";
import { contractNumberKey } from "../../src/domain/tech-contracts/contract-number.ts";
import type { Database } from "../schema.ts";
import type { Migration } from "./index.ts";

const INDEXES = [
  `CREATE UNIQUE INDEX tech_contracts_one_registered_number
    ON tech_contracts (seller_credit_code, contract_number_key) WHERE status IN ('registered', 'cancelled', 'revoked')`,
  `CREATE UNIQUE INDEX tech_contracts_one_live_number_per_submitter
    ON tech_contracts (seller_credit_code, contract_number_key, submitted_by_organization_id) WHERE status <> 'rejected'`,
];

/**
 * Contracts recorded before migration 10 have no contractNumberKey in their state, and their raw
 * number was their key: "HT-1" recorded then and "ht－1" recorded now were two contracts. Their
 * state cannot change (it is the state their last event recorded, which verification checks), and
 * SQL cannot fold NFKC, so their key is computed here, once, and kept in `legacy_number_key`; the
 * generated `contract_number_key` prefers the state's key (every contract recorded or changed
 * since), then this one. A legacy contract whose folded key collides with another's (a duplicate
 * registered before keys were folded) gets a key of its own, the folded key, U+0000 and its id,
 * which no number can fold to: the unique indexes still build, the duplicate stays visible to
 * operators as it was, and the contract that holds the folded key refuses new duplicates.
 */
export const legacyNumberKeys: Migration = {
  version: 12,
  name: "legacy-number-keys",
  statements: [
    "DROP INDEX tech_contracts_one_registered_number",
    "DROP INDEX tech_contracts_one_live_number_per_submitter",
    "ALTER TABLE tech_contracts DROP COLUMN contract_number_key",
    "ALTER TABLE tech_contracts ADD COLUMN legacy_number_key TEXT",
    `ALTER TABLE tech_contracts ADD COLUMN contract_number_key TEXT GENERATED ALWAYS AS
      (coalesce(json_extract(state, '$.contractNumberKey'), legacy_number_key, json_extract(state, '$.contractNumber'))) VIRTUAL`,
  ],
  backfill: legacyKeyUpdates,
  finalStatements: INDEXES,
};

interface KeyRow {
  id: string;
  seller: string;
  status: string;
  submitter: string | null;
  number: string;
  folded: string | null;
}

async function legacyKeyUpdates(db: Kysely<Database>): Promise<CompiledQuery[]> {
  const { rows } = await sql<KeyRow>`
    SELECT id, seller_credit_code AS seller, status, submitted_by_organization_id AS submitter,
      json_extract(state, '$.contractNumber') AS number, json_extract(state, '$.contractNumberKey') AS folded
    FROM tech_contracts ORDER BY id`.execute(db);
  if (!rows.some((row) => row.folded === null)) return [];
  const taken = new Set<string>();
  const claim = (row: KeyRow, key: string) => {
    const claims = [`r\u0000${row.seller}\u0000${key}`, `l\u0000${row.seller}\u0000${key}\u0000${row.submitter}`];
    const registered = ["registered", "cancelled", "revoked"].includes(row.status);
    const live = row.status !== "rejected";
    const mine = [registered ? claims[0] : undefined, live ? claims[1] : undefined].filter((c) => c !== undefined);
    if (mine.some((c) => taken.has(c))) return false;
    for (const c of mine) taken.add(c);
    return true;
  };
  // Contracts that already carry a folded key hold it (the indexes hold them to it already).
  for (const row of rows) if (row.folded !== null) claim(row, row.folded);
  // Registered contracts (and those once registered) claim their key first, then live ones, then
  // rejected ones, each group oldest first: a submitted duplicate of a registered contract gets the
  // colliding key, so the registration check still finds the registered one and refuses it.
  const rank = (row: KeyRow) =>
    ["registered", "cancelled", "revoked"].includes(row.status) ? 0 : row.status === "rejected" ? 2 : 1;
  const ordered = [...rows].sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const keys: [string, string][] = [];
  for (const row of ordered) {
    if (row.folded !== null) continue;
    const folded = contractNumberKey(row.number);
    // A collision keeps a key of its own that no number folds to (text refuses U+0000).
    const key = claim(row, folded) ? folded : `${folded}\u0000${row.id}`;
    if (key !== folded) claim(row, key);
    keys.push([row.id, key]);
  }
  // One statement per KEYS_PER_UPDATE contracts, their ids and keys in one JSON parameter: the
  // migration is one batch, and on D1 a batch of an UPDATE per contract was one statement per
  // legacy contract (D1 caps a batch's statements and time, not a parameter's few hundred KB).
  const updates: CompiledQuery[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_UPDATE) {
    updates.push(
      CompiledQuery.raw(
        `UPDATE tech_contracts SET legacy_number_key = json_extract(pair.value, '$[1]')
          FROM json_each(?) AS pair WHERE tech_contracts.id = json_extract(pair.value, '$[0]')`,
        [JSON.stringify(keys.slice(i, i + KEYS_PER_UPDATE))],
      ),
    );
  }
  return updates;
}

/** Contracts keyed per UPDATE statement: their JSON is some 100 KB (numbers are at most 64 characters). */
export const KEYS_PER_UPDATE = 1000;
