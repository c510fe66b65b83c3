import { basename } from "node:path";
import type { Deps } from "../domain/ports.ts";
import {
  type ImportContract,
  importContracts,
  importProblems,
  publishedUntil,
} from "../domain/tech-contracts/import-contracts.ts";
import type { Column } from "./columns.ts";
import { fileRows, fileSha256 } from "./read-file.ts";
import { headerColumns, parseRow, type RowProblem } from "./rows.ts";

export interface ImportReport {
  file: string;
  sha256: string;
  rows: number;
  imported: number;
  skipped: number;
  invalid: RowProblem[];
}

export interface ImportOptions {
  path: string;
  operator: string;
  dryRun?: boolean;
  skipInvalid?: boolean;
  /** Called as rows are checked, then written: the phase, rows done, rows in all. */
  progress?: (phase: "checking" | "importing", done: number, total: number) => void;
}

/** Contracts written per atomic batch. */
export const IMPORT_BATCH = 500;

/**
 * A historical import, in two streamed passes over the file: first every row is checked with the
 * API's rules and the ledger's (nothing is written if a row is bad, unless skipInvalid), then the
 * valid rows are written in atomic batches of IMPORT_BATCH, the run recorded with the first.
 * Re-running a file, or one that overlaps it, skips what is already in the ledger.
 */
export async function runImport(deps: Deps, options: ImportOptions): Promise<ImportReport> {
  const sha256 = await fileSha256(options.path);
  const now = deps.clock.now();
  const cutoff = await publishedUntil(deps.store);
  const report: ImportReport = { file: basename(options.path), sha256, rows: 0, imported: 0, skipped: 0, invalid: [] };
  const bad = new Set<number>();
  let columns: Column[] | null = null;
  const contractsOf = async function* () {
    columns = null;
    for await (const { line, cells } of fileRows(options.path)) {
      if (!columns) {
        const header = headerColumns(cells);
        columns = header.columns;
        if (header.problems.length > 0) {
          report.invalid.push(...header.problems);
          return;
        }
        continue;
      }
      yield { line, cells, columns };
    }
  };
  // Pass 1: check every row.
  for await (const { line, cells, columns: cols } of contractsOf()) {
    report.rows++;
    const { contract, problems } = parseRow(cols, cells, line, now);
    const found = contract ? await importProblems(deps.store, contract, now, cutoff) : [];
    const all = [
      ...problems,
      ...found.map((p) => ({ line, column: columnOfPointer(cols, p.pointer), detail: p.detail })),
    ];
    if (all.length > 0) {
      bad.add(line);
      report.invalid.push(...all);
    }
    options.progress?.("checking", report.rows, 0);
  }
  const headerBad = report.invalid.some((p) => p.line === 1);
  if (headerBad || (report.invalid.length > 0 && !options.skipInvalid) || options.dryRun) return report;

  // Pass 2: write the valid rows in batches.
  const total = report.rows - bad.size;
  let run = {
    id: deps.ids.next("imp"),
    file: report.file,
    sha256,
    operator: options.operator,
    rows: report.rows,
    importedAt: now.toISOString(),
  } as Parameters<typeof importContracts>[1]["run"];
  let batch: ImportContract[] = [];
  let done = 0;
  const flush = async () => {
    if (batch.length === 0 && !run) return;
    const outcome = await importContracts(deps, { run, contracts: batch });
    if (outcome.kind === "done") {
      report.imported += outcome.result.imported;
      report.skipped += outcome.result.skipped.length;
    }
    done += batch.length;
    options.progress?.("importing", done, total);
    run = null;
    batch = [];
  };
  for await (const { line, cells, columns: cols } of contractsOf()) {
    if (bad.has(line)) continue;
    const { contract } = parseRow(cols, cells, line, now);
    if (!contract) continue;
    batch.push(contract);
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  return report;
}

const POINTER_FIELDS: Record<string, string> = {
  "/seller": "sellerCreditCode",
  "/buyer": "buyerCreditCode",
  "/signedOn": "signedOn",
  "/registeredOn": "registeredOn",
};

/** A field error's pointer (/seller/organizationId, /registeredOn) as the file's column. */
function columnOfPointer(columns: readonly Column[], pointer: string): string {
  const prefix = Object.keys(POINTER_FIELDS).find((p) => pointer.startsWith(p));
  const field = prefix ? POINTER_FIELDS[prefix] : pointer.replace(/^\//, "").split("/")[0];
  return columns.find((c) => c?.field === field)?.header ?? field ?? pointer;
}
