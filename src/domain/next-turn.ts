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
export function turnYielder(budgetMs = 8): () => Promise<void> {
  let since = Date.now();
  return async () => {
    if (Date.now() - since < budgetMs) return;
    await nextTurn();
    since = Date.now();
  };
}
