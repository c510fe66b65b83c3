import { LRUCache } from "lru-cache";
import type { Deps, ReadCache } from "../ports.ts";

/** The read cache's default bound: answers, with their renderings, that add up to about this many bytes. */
export const READ_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * What an answer costs in memory, estimated from its JSON: the objects themselves take about twice
 * their text, and the routes keep up to two renderings (JSON and CSV bytes) beside each answer.
 */
export function answerBytes(value: unknown): number {
  const text = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "";
  return Math.max(1, text.length * 4);
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
  deps: Pick<Deps, "store" | "readCache">,
  kind: string,
  params: unknown,
  today: string,
  compute: () => Promise<T>,
): Promise<T> {
  if (!deps.readCache) return compute();
  const head = await deps.store.auditHead();
  const key = `${kind}|${JSON.stringify(params)}|${today}|${head.seq}|${head.hash}`;
  const hit = deps.readCache.get(key);
  if (hit !== undefined) return hit as T;
  const value = await compute();
  deps.readCache.set(key, value);
  return value;
}
