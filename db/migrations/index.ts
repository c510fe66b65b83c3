import type { CompiledQuery, Kysely } from "kysely";
import type { Database } from "../schema.ts";
import { foundation } from "./0001-foundation.ts";
import { techContracts } from "./0002-tech-contracts.ts";
import { statistics } from "./0003-statistics.ts";
import { periodRollups } from "./0004-period-rollups.ts";
import { auditSubjectIndex } from "./0005-audit-subject-index.ts";
import { stateRows } from "./0006-state-rows.ts";
import { hashVersion } from "./0007-hash-version.ts";
import { achievements } from "./0008-achievements.ts";
import { catalogueFilters } from "./0009-catalogue-filters.ts";
import { contractNumberKey } from "./0010-contract-number-key.ts";
import { rollupGross } from "./0011-rollup-gross.ts";
import { legacyNumberKeys } from "./0012-legacy-number-keys.ts";
import { pledges } from "./0013-pledges.ts";
import { largestEntries } from "./0014-largest-entries.ts";
import { bulletins } from "./0015-bulletins.ts";
import { importBatches } from "./0016-import-batches.ts";
import { leafOrder } from "./0017-leaf-order.ts";

export interface Migration {
  version: number;
  name: string;
  /** Plain SQLite statements, valid on better-sqlite3 and on D1. Frozen once landed. */
  statements: string[];
  /**
   * Rows the statements cannot compute in SQL (a Unicode fold): read before the batch, written in
   * it after `statements`, so data and schema change in the same atomic batch.
   */
  backfill?: (db: Kysely<Database>) => Promise<CompiledQuery[]>;
  /** Statements after the backfill (indexes that hold only once the rows are filled). */
  finalStatements?: string[];
}

/** Static, in order: bundlers and Workers cannot scan a folder. */
export const migrations: readonly Migration[] = [
  foundation,
  techContracts,
  statistics,
  periodRollups,
  auditSubjectIndex,
  stateRows,
  hashVersion,
  achievements,
  catalogueFilters,
  contractNumberKey,
  rollupGross,
  legacyNumberKeys,
  pledges,
  largestEntries,
  bulletins,
  importBatches,
  leafOrder,
];
