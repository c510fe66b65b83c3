import { BusyError } from "./errors.ts";

/**
 * Resolves on a later turn of the event loop, after pending I/O callbacks have run. Long work made
 * of synchronous statements (verification's checks on better-sqlite3) awaits it between
 * statements: a chain of awaits that only ever resolve in microtasks never lets the loop read a
 * socket or a worker's message. Works on Node and on Workers alike.
 */
export const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * For loops of synchronous work of unknown length (a statistics read over many rollup cells): call
 * the returned function between steps; it yields a turn once `budgetMs` have passed since the
 * last, so other requests (and `/healthz`) wait at most about that long, and short work never waits.
 */
export function turnYielder(budgetMs = 4): () => Promise<void> {
  let since = Date.now();
  return async () => {
    if (Date.now() - since < budgetMs) return;
    await nextTurn();
    since = Date.now();
  };
}

/** `items.map(fn)`, yielding a turn whenever `yieldTurn`'s budget has passed (checked every 256 items). */
export async function mapInTurns<T, U>(
  items: readonly T[],
  fn: (item: T) => U,
  yieldTurn: () => Promise<void> = turnYielder(),
): Promise<U[]> {
  const out = new Array<U>(items.length);
  for (let i = 0; i < items.length; i++) {
    if ((i & 255) === 255) await yieldTurn();
    out[i] = fn(items[i] as T);
  }
  return out;
}

const CHUNK = 256;

/**
 * The same text as `JSON.stringify(value)` for the plain data an answer is made of (objects,
 * arrays, strings, numbers, booleans, null), but an array longer than 256 items is written 256
 * at a time with `yieldTurn` between chunks: a 2 MB answer then never holds the event loop for
 * the tens of milliseconds one `JSON.stringify` call takes.
 */
export async function stringifyInTurns(
  value: unknown,
  yieldTurn: () => Promise<void> = turnYielder(),
): Promise<string | undefined> {
  if (Array.isArray(value)) {
    if (value.length <= CHUNK) return JSON.stringify(value);
    const parts: string[] = [];
    for (let i = 0; i < value.length; i += CHUNK) {
      parts.push(JSON.stringify(value.slice(i, i + CHUNK)).slice(1, -1));
      await yieldTurn();
    }
    return `[${parts.join(",")}]`;
  }
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const parts: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      const text = await stringifyInTurns(item, yieldTurn);
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Heavy tasks that may wait behind the one running before more are refused (see createSerialGate). */
export const SERIAL_QUEUE_LIMIT = 16;

/**
 * Runs heavy work one task at a time, in the order it was asked for. On better-sqlite3 every
 * statement runs on the event loop's thread, so two large statistics reads interleaved take
 * turns of the loop between them and `/healthz` waits for both; one after the other, it waits
 * for at most one turn. At most `limit` tasks wait: one more is refused at once with BusyError
 * (503 and Retry-After), since a queue without bound turns a flood of heavy reads into answers
 * that are all late and memory that holds every waiting request. Not for Workers, where a
 * promise must not cross requests.
 */
export function createSerialGate(limit = SERIAL_QUEUE_LIMIT): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  return <T>(task: () => Promise<T>) => {
    // The one running and those waiting behind it.
    if (pending > limit) {
      return Promise.reject(
        new BusyError(`${pending - 1} large reads are already waiting: try again in a few seconds`, 2),
      );
    }
    pending++;
    const run = tail.then(task, task).finally(() => {
      pending--;
    });
    tail = run.catch(() => undefined);
    return run;
  };
}
