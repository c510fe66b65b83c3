import { chmodSync, closeSync, copyFileSync, existsSync, openSync, renameSync, rmSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { LedgerFileError } from "./sqlite.ts";

/**
 * An online backup of a ledger file with SQLite's backup API, while the service keeps writing:
 * the pages are copied in one step, inside one read transaction of the source, so the copy is the
 * ledger exactly as it was at one commit (in WAL mode that read blocks no writer). The copy is
 * created 0600 before SQLite writes to it, like the ledger itself, and never over an existing file.
 */
export async function backupSqlite(source: string, destination: string): Promise<{ bytes: number }> {
  if (!existsSync(source)) throw new LedgerFileError(`no ledger at ${source}: check LEDGER_DATABASE`);
  try {
    closeSync(openSync(destination, "wx", 0o600));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LedgerFileError(
      code === "EEXIST"
        ? `${destination} already exists: a backup never replaces a file; choose another name`
        : `cannot create ${destination}: ${(error as Error).message}`,
    );
  }
  const connection = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    connection.pragma("busy_timeout = 5000");
    let total = 0;
    await connection.backup(destination, {
      progress: ({ totalPages }) => {
        total = totalPages;
        // Every page in one step: a backup stepped page by page restarts whenever the service
        // commits in between, and under a steady write load might never finish.
        return Math.max(totalPages, 1);
      },
    });
    // The copy would keep the ledger's WAL mode: made a rollback-journal file, it is one
    // self-contained file that opens read-only anywhere (the service sets WAL again on restore).
    const copy = new BetterSqlite3(destination);
    copy.pragma("journal_mode = DELETE");
    const pageSize = copy.pragma("page_size", { simple: true }) as number;
    copy.close();
    return { bytes: total * pageSize };
  } catch (error) {
    rmSync(destination, { force: true });
    throw error;
  } finally {
    connection.close();
  }
}

/**
 * Puts a backup in place of the ledger (the service stopped): copied to a temporary file beside
 * the target (0600) and renamed over it, so a failed copy leaves the ledger as it was. An
 * existing ledger is kept as `<target>.before-restore-<time>` and its log files removed, so SQLite
 * cannot replay the old ledger's log into the restored one.
 */
export function restoreSqlite(backup: string, target: string, now: Date): { previous: string | null } {
  const temporary = `${target}.restoring`;
  rmSync(temporary, { force: true });
  copyFileSync(backup, temporary);
  chmodSync(temporary, 0o600);
  let previous: string | null = null;
  if (existsSync(target)) {
    previous = `${target}.before-restore-${now.toISOString().replaceAll(":", "-")}`;
    renameSync(target, previous);
  }
  for (const side of [`${target}-wal`, `${target}-shm`]) {
    if (existsSync(side)) {
      if (previous) renameSync(side, `${previous}${side.slice(target.length)}`);
      else rmSync(side);
    }
  }
  renameSync(temporary, target);
  return { previous };
}
