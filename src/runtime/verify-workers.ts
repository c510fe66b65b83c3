import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { openStretchReader } from "../../db/dialects/sqlite-reader.ts";
import type { StretchRange, StretchReport } from "../domain/ports.ts";
import { checkStretch } from "../domain/verify-chain.ts";

export interface StretchWorkerOptions {
  workers?: number;
  /** Fewer stretches than this per worker are checked here: starting a worker costs a few tenths of a second. */
  minimumPerWorker?: number;
  /** Told when a worker could not start or died, and its share is checked here instead. */
  onWorkerFailure?: (error: Error) => void;
}

/**
 * glibc gives every freed multi-megabyte buffer back to the kernel and page-faults the next one
 * in afresh; a checker allocates one per stretch, 3 GB over a million contracts. Keeping them
 * (and the heap top) saves about a fifth of its time. Other C libraries ignore the variable.
 */
const KEEP_FREED_MEMORY =
  "glibc.malloc.mmap_threshold=16777216:glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864";

/**
 * Checks a ledger file's chain in child processes, each reading with its own connection and taking
 * a contiguous share of the stretches, so the hashing runs on every core while this process does
 * the rest of verification. Processes rather than threads: they measured a fifth faster here
 * (threads of one process share its allocator and page tables, and fault and trim against each
 * other), and they can be given the allocator settings above.
 */
export function stretchWorkers(path: string, options: StretchWorkerOptions = {}) {
  const workers = options.workers ?? availableParallelism();
  const minimum = options.minimumPerWorker ?? 200;
  const onFailure =
    options.onWorkerFailure ??
    ((error: Error) => console.warn(`a verification worker failed, so its share is checked here: ${error.message}`));
  return async (ranges: StretchRange[]): Promise<StretchReport[]> => {
    const count = Math.min(workers, Math.floor(ranges.length / minimum));
    if (count < 1) return checkHere(path, ranges);
    const size = Math.ceil(ranges.length / count);
    const shares = Array.from({ length: count }, (_, i) => ranges.slice(i * size, (i + 1) * size));
    // A worker that cannot start (or dies) costs time, not the answer: its share is checked here.
    const parts = await Promise.all(
      shares.map((share) =>
        inChild(path, share).catch((error: Error) => {
          onFailure(error);
          return checkHere(path, share);
        }),
      ),
    );
    return parts.flat();
  };
}

async function checkHere(path: string, ranges: StretchRange[]): Promise<StretchReport[]> {
  const reader = openStretchReader(path);
  try {
    const reports: StretchReport[] = [];
    for (const range of ranges) reports.push(await checkStretch(reader, range));
    return reports;
  } finally {
    reader.close();
  }
}

function inChild(path: string, ranges: StretchRange[]): Promise<StretchReport[]> {
  return new Promise((resolve, reject) => {
    const entry = fileURLToPath(new URL("./verify-worker.ts", import.meta.url));
    const child = fork(fileURLToPath(new URL("./verify-worker-boot.cjs", import.meta.url)), [entry], {
      execArgv: [],
      env: { ...process.env, GLIBC_TUNABLES: KEEP_FREED_MEMORY },
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let reports: StretchReport[] | undefined;
    child.once("message", (message) => {
      reports = message as StretchReport[];
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      reports && code === 0 ? resolve(reports) : reject(new Error(`a verification worker exited with code ${code}`)),
    );
    child.send({ path, ranges });
  });
}
