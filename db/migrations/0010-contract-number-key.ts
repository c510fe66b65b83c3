import type { Migration } from "./index.ts";

/**
 * Duplicates are found by the contract number's normalised key (contractNumberKey in the state;
 * contracts recorded earlier have none, and their number is their key, so no existing ledger
 * breaks an index built here). Two unique indexes replace "one live contract per seller and
 * number", under which any member naming a seller could block that seller's number:
 * - one registered (or cancelled or revoked) contract per seller and number: never registered twice;
 * - one live contract per seller, number and submitting organisation: nobody submits theirs twice.
 */
export const contractNumberKey: Migration = {
  version: 10,
  name: "contract-number-key",
  statements: [
    `ALTER TABLE tech_contracts ADD COLUMN contract_number_key TEXT GENERATED ALWAYS AS
      (coalesce(json_extract(state, '$.contractNumberKey'), json_extract(state, '$.contractNumber'))) VIRTUAL`,
    "DROP INDEX tech_contracts_one_live_number",
    `CREATE UNIQUE INDEX tech_contracts_one_registered_number
      ON tech_contracts (seller_credit_code, contract_number_key) WHERE status IN ('registered', 'cancelled', 'revoked')`,
    `CREATE UNIQUE INDEX tech_contracts_one_live_number_per_submitter
      ON tech_contracts (seller_credit_code, contract_number_key, submitted_by_organization_id) WHERE status <> 'rejected'`,
  ],
};
