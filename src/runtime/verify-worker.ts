import { openSqliteReader } from "../../db/dialects/sqlite-reader.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import type { StretchRange, StretchReport } from "../domain/ports.ts";
import { checkStretch } from "../domain/verify-chain.ts";

/** One verification worker: its share of the chain's stretches, on its own read-only connection. */
process.once("message", async (message) => {
  const { path, ranges } = message as { path: string; ranges: StretchRange[] };
  const database = openSqliteReader(path);
  try {
    const store = createLedgerStore(database);
    const reports: StretchReport[] = [];
    for (const range of ranges) reports.push(await checkStretch(store, range));
    process.send?.(reports, () => process.disconnect());
  } finally {
    await database.close();
  }
});
