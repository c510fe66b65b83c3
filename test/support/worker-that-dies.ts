// A verification worker that returns its first batch and then dies, as a crash would.
import "../../src/runtime/verify-worker.ts";

const send = process.send?.bind(process);
let replies = 0;
process.send = ((...args: Parameters<NonNullable<typeof process.send>>) => {
  if (replies++ > 0) process.exit(1);
  return send?.(...args) ?? false;
}) as typeof process.send;
