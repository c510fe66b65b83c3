// A verification worker is a plain Node process: register tsx's require hook, then load the worker
// itself (verify-worker.ts, passed as the first argument). The require hook is synchronous and
// runs no loader thread: a worker starts in about a third of the time the ESM loader takes.
require("tsx/cjs/api").register();
require(process.argv[2]);
