import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

const SAFE_ID = /^[\w.:-]{1,128}$/;

/** Keeps a caller's X-Request-Id when it is safe to echo and log, otherwise mints one. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = incoming && SAFE_ID.test(incoming) ? incoming : crypto.randomUUID();
  c.set("requestId", id);
  // Set before the handler runs, so Hono adds it as the response is built: set afterwards it
  // would copy the finished response (and @hono/node-server would then stream its body).
  c.header("X-Request-Id", id);
  await next();
});
