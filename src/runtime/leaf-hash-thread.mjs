// A worker thread of leaf-hash-workers.ts: reads one stretch of event seqs of a bulletin tree's
// leaves (volume entries, by day then seq, the tree's order) on its own read-only connection and hashes each as an RFC 6962 leaf,
// SHA-256(0x00 || its canonical JSON). Plain JavaScript, so a thread starts without a TypeScript
// loader; the statement is the store's bulletinLeaves (db/stores/bulletins.ts).
import { hash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const { path, after, upto, to } = workerData;
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 5000");
db.pragma("mmap_size = 0");
const leaves = db
  .prepare(
    "SELECT event_seq, entry_on, state FROM volume_entries WHERE event_seq > ? AND event_seq <= ? AND entry_on <= ? ORDER BY entry_on, event_seq",
  )
  .raw();
let capacity = 65_536;
let hashes = new Uint8Array(32 * capacity);
let seqs = new Float64Array(capacity);
let days = new Int32Array(capacity);
let count = 0;
for (const [seq, entryOn, state] of leaves.iterate(after, upto, to)) {
  if (count === capacity) {
    capacity *= 2;
    const moreHashes = new Uint8Array(32 * capacity);
    moreHashes.set(hashes);
    hashes = moreHashes;
    const moreSeqs = new Float64Array(capacity);
    moreSeqs.set(seqs);
    seqs = moreSeqs;
    const moreDays = new Int32Array(capacity);
    moreDays.set(days);
    days = moreDays;
  }
  hashes.set(hash("sha256", `\u0000${state}`, "buffer"), count * 32);
  seqs[count] = seq;
  days[count] = Number(entryOn.slice(0, 4)) * 10_000 + Number(entryOn.slice(5, 7)) * 100 + Number(entryOn.slice(8, 10));
  count++;
}
db.close();
parentPort.postMessage({ count, hashes, days, seqs }, [hashes.buffer, days.buffer, seqs.buffer]);
