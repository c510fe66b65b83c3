import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { openStretchReader } from "../../db/dialects/sqlite-reader.ts";
import type { StretchRange, StretchReport } from "../domain/ports.ts";
import { checkStretchesInTurn } from "../domain/verification/verify-chain.ts";

export interface StretchWorkerOptions {
  workers?: number;
  /** Fewer stretches than this per worker are checked here: starting a worker costs a few tenths of a second. */
  minimumPerWorker?: number;
  /** The smallest batch of stretches sent to a worker (default 10, a few tens of milliseconds' work). */
  smallestBatch?: number;
  /** Told when a worker could not start or died, and its share is checked here instead. */
  onWorkerFailure?: (error: Error) => void;
  /** The module a worker runs (a path): verify-worker.ts, or a stand-in in tests. */
  workerEntry?: string;
}

/**
 * glibc gives every freed multi-megabyte buffer back to the kernel and page-faults the next one
 * in afresh; a checker allocates one per stretch, 3 GB over a million contracts. Keeping them
 * (and the heap top) saves about a fifth of its time. Other C libraries ignore the variable.
 */
const KEEP_FREED_MEMORY =
  "glibc.malloc.mmap_threshold=16777216:glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864";

/**
 * Checks a ledger file's chain in child processes, each reading with its own connection, so the
 * hashing runs on every core while this process does the rest of verification. Processes rather
 * than threads: they measured a fifth faster here (threads of one process share its allocator and
 * page tables, and fault and trim against each other), and they can be given the allocator
 * settings above.
 *
 * The stretches go out in batches, the next to whichever worker returns one, each batch a share
 * of what is left (guided scheduling): large while this process is busy with its own checks, whose
 * statements block its event loop for most of a second, small at the end, so the workers finish
 * together rather than one leaving its core idle. Each worker holds one batch in hand besides the
 * one it is checking, so it does not wait for this process to answer; a batch is at most
 * LARGEST_BATCH stretches, so its reply (about 200 bytes a stretch) leaves before the next is done.
 */
export function stretchWorkers(path: string, options: StretchWorkerOptions = {}) {
  const workers = options.workers ?? availableParallelism();
  const minimum = options.minimumPerWorker ?? 200;
  const smallest = options.smallestBatch ?? 10;
  const entry = options.workerEntry ?? fileURLToPath(new URL("./verify-worker.ts", import.meta.url));
  const onFailure =
    options.onWorkerFailure ??
    ((error: Error) => console.warn(`a verification worker failed, so its share is checked here: ${error.message}`));
  return async (ranges: StretchRange[]): Promise<StretchReport[]> => {
    const count = Math.min(workers, Math.floor(ranges.length / minimum));
    if (count < 1) return checkHere(path, ranges);
    const batches: StretchRange[][] = [];
    const done: (StretchReport[] | undefined)[] = [];
    let next = 0;
    const queue: WorkQueue = {
      take() {
        const left = ranges.length - next;
        if (left === 0) return null;
        const size = Math.min(left, LARGEST_BATCH, Math.max(smallest, Math.ceil(left / (2 * count))));
        batches.push(ranges.slice(next, next + size));
        next += size;
        return batches.length - 1;
      },
      ranges: (batch) => batches[batch] ?? [],
      finish: (batch, reports) => {
        done[batch] = reports;
      },
    };
    await Promise.all(Array.from({ length: count }, () => inChild(entry, path, queue).catch(onFailure)));
    // A worker that could not start or died costs time, not the answer: what it left is checked
    // here, both the batches it held and, if every worker failed, those no worker took.
    while (queue.take() !== null);
    const reports: StretchReport[] = [];
    for (const [batch, share] of batches.entries()) {
      for (const report of done[batch] ?? (await checkHere(path, share))) reports.push(report);
    }
    return reports;
  };
}

/**
 * The largest batch, in stretches: 200,000 events, about a second of a worker's time, so the two
 * a worker holds outlast this process's longest statement (it answers between statements).
 */
const LARGEST_BATCH = 400;

interface WorkQueue {
  /** Cuts the next batch from what is left and returns its number, or null when nothing is left. */
  take(): number | null;
  ranges(batch: number): StretchRange[];
  finish(batch: number, reports: StretchReport[]): void;
}

async function checkHere(path: string, ranges: StretchRange[]): Promise<StretchReport[]> {
  const reader = openStretchReader(path);
  try {
    return await checkStretchesInTurn(reader, ranges);
  } finally {
    reader.close();
  }
}

/** One worker process, fed batches until the queue is empty; rejects if it fails on the way. */
function inChild(entry: string, path: string, queue: WorkQueue): Promise<void> {
  const first = queue.take();
  if (first === null) return Promise.resolve();
  // The batches sent and not yet returned, in the order the worker checks them.
  const sent: number[] = [];
  const send = (child: ChildProcess, batch = queue.take()) => {
    if (batch === null) return false;
    sent.push(batch);
    child.send({ path, ranges: queue.ranges(batch) });
    return true;
  };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./verify-worker-boot.cjs", import.meta.url)), [entry], {
      execArgv: [],
      env: { ...process.env, GLIBC_TUNABLES: KEEP_FREED_MEMORY },
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // Once a worker has failed it is given nothing more (what it held is checked here) and stopped.
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      child.kill();
      reject(error);
    };
    child.on("message", (message) => {
      const batch = sent.shift();
      if (failed || batch === undefined) return;
      queue.finish(batch, message as StretchReport[]);
      // Closing the channel once nothing is left tells the worker to close its connection and exit.
      if (!send(child) && sent.length === 0) child.disconnect();
    });
    // Not once: a send to a worker that has just died emits an error of its own, after the first.
    child.on("error", fail);
    child.once("exit", (code) =>
      sent.length === 0 && code === 0 ? resolve() : fail(new Error(`a verification worker exited with code ${code}`)),
    );
    send(child, first);
    send(child);
  });
}
