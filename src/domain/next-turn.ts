/**
 * Resolves on a later turn of the event loop, after pending I/O callbacks have run. Long work made
 * of synchronous statements (verification's checks on better-sqlite3) awaits it between
 * statements: a chain of awaits that only ever resolve in microtasks never lets the loop read a
 * socket or a worker's message. Works on Node and on Workers alike.
 */
export const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
