// A verification worker is a plain Node process: register the TypeScript loader the parent runs
// under, then load the worker itself (verify-worker.ts, passed as the first argument).
import { register } from "tsx/esm/api";

register();
await import(process.argv[2]);
