import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

/** Our ids: a short prefix and 26 Crockford base-32 characters (runtime/ids.ts). */
const ID = /[a-z]{2,12}_[0-9A-HJKMNP-TV-Z]{26}/g;

/**
 * The path as logged: a segment that could be a credential (an API key `tml.…`, a JWT, or any
 * run of 32 or more base64url characters that is not one of our ids, such as a key's secret) is
 * replaced, so a key pasted into a URL does not reach the log. The query is never logged.
 */
export function loggedPath(path: string): string {
  return path
    .split("/")
    .map((segment) => {
      let text = segment;
      try {
        text = decodeURIComponent(segment);
      } catch {}
      const credential = /tml\./i.test(text) || /eyJ[\w-]*\./.test(text) || /[\w-]{32,}/.test(text.replace(ID, "."));
      return credential ? "[redacted]" : segment;
    })
    .join("/");
}

/** One JSON log line and one metrics observation per request. */
export const observe = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const seconds = (performance.now() - started) / 1000;
  const deps = c.get("deps");
  const route = c.res.status === 404 && c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
  deps.metrics?.observeRequest(c.req.method, route, c.res.status, seconds);
  const caller = c.get("caller");
  deps.log?.({
    time: new Date().toISOString(),
    level: c.res.status >= 500 ? "error" : "info",
    requestId: c.get("requestId"),
    method: c.req.method,
    path: loggedPath(c.req.path),
    route,
    status: c.res.status,
    durationMs: Math.round(seconds * 100_000) / 100,
    keyId: caller && caller.role !== "public" ? caller.keyId : undefined,
  });
});
