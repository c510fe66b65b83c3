import { openStretchReader, type StretchReader } from "../../db/dialects/sqlite-reader.ts";
import type { StretchRange, StretchReport } from "../domain/ports.ts";
import { checkStretch } from "../domain/verify-chain.ts";

/**
 * One verification worker: checks each batch of stretches it is sent, in the order sent, on its
 * own read-only connection, and sends back their reports, until the parent closes the channel.
 */
let reader: StretchReader | undefined;
let checking = Promise.resolve();
process.on("message", (message) => {
  const { path, ranges } = message as { path: string; ranges: StretchRange[] };
  checking = checking.then(async () => {
    reader ??= openStretchReader(path);
    const reports: StretchReport[] = [];
    for (const range of ranges) reports.push(await checkStretch(reader, range));
    process.send?.(reports);
  });
});
process.once("disconnect", () => {
  checking = checking.then(() => reader?.close());
});
