import { openStretchReader } from "../../db/dialects/sqlite-reader.ts";
import type { StretchRange, StretchReport } from "../domain/ports.ts";
import { checkStretch } from "../domain/verify-chain.ts";

/** One verification worker: its share of the chain's stretches, on its own read-only connection. */
process.once("message", async (message) => {
  const { path, ranges } = message as { path: string; ranges: StretchRange[] };
  const reader = openStretchReader(path);
  try {
    const reports: StretchReport[] = [];
    for (const range of ranges) reports.push(await checkStretch(reader, range));
    process.send?.(reports, () => process.disconnect());
  } finally {
    reader.close();
  }
});
