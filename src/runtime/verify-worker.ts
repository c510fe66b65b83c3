import { openStretchReader, type StretchReader } from "../../db/dialects/sqlite-reader.ts";
import type { StretchRange } from "../domain/ports.ts";
import { checkStretchesInTurn } from "../domain/verification/verify-chain.ts";

/**
 * One verification worker: checks each batch of stretches it is sent, in the order sent, on its
 * own read-only connection, and sends back their reports, until the parent closes the channel.
 * Batches still queued when the channel closes (the parent has stopped or died) are dropped. Any
 * failure ends the process with code 1, which the parent takes as "check this worker's batches
 * yourself", whatever NODE_OPTIONS says about unhandled rejections.
 */
let reader: StretchReader | undefined;
let checking = Promise.resolve();
process.on("message", (message) => {
  const { path, ranges } = message as { path: string; ranges: StretchRange[] };
  checking = checking
    .then(async () => {
      if (!process.connected) return;
      reader ??= openStretchReader(path);
      const reports = await checkStretchesInTurn(reader, ranges);
      // A send that fails (the channel closed meanwhile) reports to its callback, not as an error event.
      process.send?.(reports, undefined, undefined, () => undefined);
      // Let the event loop write the reply before the next batch's synchronous reads begin.
      await new Promise((resolve) => setImmediate(resolve));
    })
    .catch((error: unknown) => {
      console.error("verification worker:", error);
      process.exit(1);
    });
});
process.once("disconnect", () => {
  checking = checking.then(() => reader?.close());
});
