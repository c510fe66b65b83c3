import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

/** One JSON log line and one metrics observation per request. */
export const observe = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const seconds = (performance.now() - started) / 1000;
  const deps = c.get("deps");
  const route = c.res.status === 404 && c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
  deps.metrics.observe(c.req.method, route, c.res.status, seconds);
  const caller = c.get("caller");
  deps.log?.({
    time: new Date().toISOString(),
    level: c.res.status >= 500 ? "error" : "info",
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    route,
    status: c.res.status,
    durationMs: Math.round(seconds * 100_000) / 100,
    keyId: caller && caller.role !== "public" ? caller.keyId : undefined,
  });
});
