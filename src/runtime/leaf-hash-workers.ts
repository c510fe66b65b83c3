import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { LeafHasher } from "../domain/bulletins/bulletin-tree.ts";

const THREAD = new URL("./leaf-hash-thread.mjs", import.meta.url);

/**
 * A bulletin tree's leaf hashes read and hashed in worker threads, each on its own read-only
 * connection to the ledger file and a stretch of event seqs, in parallel (each part in tree order,
 * by day then seq; buildTree merges them): at a million entries the
 * reading and the leaf hashing (about 4 s in one thread) are what publishing, a bulletin's first
 * proof and verification's tree check cost. The main thread then only combines the hashes.
 */
export function leafHashWorkers(path: string, threads = Math.min(2, availableParallelism())): LeafHasher {
  return async (uptoSeq, to) => {
    const width = Math.ceil(uptoSeq / threads);
    const stretches = Array.from({ length: threads }, (_, i) => ({
      after: i * width,
      upto: Math.min(uptoSeq, (i + 1) * width),
    })).filter((s) => s.after < s.upto);
    const parts = await Promise.all(
      stretches.map(
        ({ after, upto }) =>
          new Promise<{ count: number; hashes: Uint8Array; days: Int32Array; seqs: Float64Array }>(
            (resolve, reject) => {
              const worker = new Worker(THREAD, { workerData: { path, after, upto, to } });
              worker.once("message", resolve);
              worker.once("error", reject);
              worker.once("exit", (code) => {
                if (code !== 0) reject(new Error(`a leaf-hash thread exited with ${code}`));
              });
            },
          ),
      ),
    );
    return parts.map((part) => ({
      hashes: part.hashes.subarray(0, part.count * 32),
      days: part.days.subarray(0, part.count),
      seqs: part.seqs.subarray(0, part.count),
    }));
  };
}
