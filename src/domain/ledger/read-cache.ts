import { LRUCache } from "lru-cache";
import type { Deps, ReadCache } from "../ports.ts";

/** The read cache's default bound: answers, with their renderings, that add up to about this many bytes. */
export const READ_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * What an answer costs in memory, estimated from its JSON: the objects themselves take about twice
 * their text, and the routes keep up to two renderings (JSON and CSV bytes) beside each answer.
 */
export function answerBytes(value: unknown): number {
  return Math.max(1, textLength(value) * 4);
}

const SAMPLES = 64;

/**
 * The length of the value's JSON, with a long array estimated from 64 evenly spaced items: an
 * answer's rows are alike, and writing all of a 2 MB answer out only to weigh it would hold the
 * event loop for tens of milliseconds.
 */
function textLength(value: unknown): number {
  if (Array.isArray(value) && value.length > SAMPLES) {
    let sampled = 0;
    for (let i = 0; i < SAMPLES; i++) sampled += textLength(value[Math.floor((i * value.length) / SAMPLES)]) + 1;
    return Math.ceil((sampled * value.length) / SAMPLES) + 1;
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
    let length = 2;
    for (const [key, item] of Object.entries(value)) length += key.length + 4 + textLength(item);
    return length;
  }
  return (JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "").length;
}

/**
 * Answers kept by bytes, not by count, least recently used forgotten first: one answer of 2 MB
 * weighs as much as a thousand small ones, so a client varying a large query cannot grow the
 * process (issue 15). An answer larger than the whole bound is not kept at all.
 */
export function createReadCache(maxBytes = READ_CACHE_BYTES): ReadCache & { readonly bytes: number } {
  const entries = new LRUCache<string, object>({ maxSize: maxBytes, sizeCalculation: answerBytes });
  return {
    get(key) {
      return entries.get(key);
    },
    set(key, value) {
      if (typeof value === "object" && value !== null) entries.set(key, value);
    },
    get bytes() {
      return entries.calculatedSize;
    },
  };
}

/**
 * A statistics answer depends only on the ledger's state (its head) and today's date, so it is
 * computed once per head and day. Reading the head is one indexed row; without a cache the
 * computation runs every time.
 */
export async function cachedRead<T>(
  deps: Pick<Deps, "store" | "readCache" | "serialReads">,
  kind: string,
  params: unknown,
  today: string,
  compute: () => Promise<T>,
): Promise<T> {
  const cache = deps.readCache;
  if (!cache) return deps.serialReads ? deps.serialReads(compute) : compute();
  const head = await deps.store.auditHead();
  const key = `${kind}|${JSON.stringify(params)}|${today}|${head.seq}|${head.hash}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit as T;
  // Looked up again once its turn comes: the same question asked many times at once is computed
  // by the first of them, and the others, waiting behind it, find its answer.
  const computeOnce = async () => {
    const waited = cache.get(key);
    if (waited !== undefined) return waited as T;
    const value = await compute();
    cache.set(key, value);
    return value;
  };
  return deps.serialReads ? deps.serialReads(computeOnce) : computeOnce();
}
