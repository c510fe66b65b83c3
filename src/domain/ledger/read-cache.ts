import type { Deps, ReadCache } from "../ports.ts";

/** A bounded map that forgets the oldest answer first. */
export function createReadCache(capacity = 256): ReadCache {
  const entries = new Map<string, unknown>();
  return {
    get(key) {
      return entries.get(key);
    },
    set(key, value) {
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(key, value);
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
