import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import type { FieldError } from "../domain/errors.ts";
import { describeFieldErrors } from "../domain/errors.ts";
import { clockFieldErrors } from "../domain/tech-contracts/tech-contract-input.ts";
import type { AppDeps, AppEnv } from "./app-env.ts";
import { requireToken, resolveCaller } from "./middleware/authenticate.ts";
import { bodyLimit } from "./middleware/body-limit.ts";
import { observe } from "./middleware/observe.ts";
import { rateLimits } from "./middleware/rate-limit.ts";
import { requestId } from "./middleware/request-id.ts";
import { jsonPointer, problemForError, problemResponse } from "./problem.ts";
import { registerRoutes } from "./routes/index.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

/** Per route (method and Hono path), the domain's rules that need the clock, for bodies the schema refused. */
const CLOCK_RULES: Record<string, (body: Record<string, unknown>, now: Date) => FieldError[]> = {
  "POST /v1/contracts": clockFieldErrors,
  "PATCH /v1/contracts/:id": clockFieldErrors,
};

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const errors = fieldErrors(result.error, result.target);
        // Rules that need the clock run in the domain, after the schema: on a refused body they
        // are checked here too, so one answer names them all.
        const clockRules = result.target === "json" ? CLOCK_RULES[`${c.req.method} ${c.req.routePath}`] : undefined;
        // The validator hands the hook the value it parsed (@hono/zod-validator), untyped here.
        const body = (result as { data?: unknown }).data;
        if (clockRules && typeof body === "object" && body !== null && !Array.isArray(body)) {
          for (const extra of clockRules(body as Record<string, unknown>, deps.clock.now()))
            if (!errors.some((e) => e.pointer === extra.pointer)) errors.push(extra);
        }
        return problemResponse(c, "validation", {
          detail: describeFieldErrors(errors),
          errors,
        });
      }
    },
  });

  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
    // Whatever the handler read may have been committed a moment ago by a group whose log sync
    // is still running: the response waits for it, so nothing shown can be lost in a crash.
    await deps.store.durable();
  });
  app.use("*", requestId);
  app.use("*", observe);
  app.use(
    "*",
    bodyLimit(MAX_BODY_BYTES, (c) =>
      problemResponse(c, "tooLarge", { detail: `request bodies are limited to ${MAX_BODY_BYTES} bytes` }),
    ),
  );
  app.use("*", resolveCaller);
  if (deps.rateLimits) {
    const limits = rateLimits(deps.rateLimits, deps.rateLimitBindings);
    app.use("/v1/statistics/*", ...limits.statistics);
    app.use("/v1/auth/token", ...limits.tokens);
  }

  // Every route whose contract requires a bearer token refuses a request without one before
  // validating its input (route middleware runs before the validators).
  const openapi = app.openapi.bind(app);
  app.openapi = ((route: Parameters<typeof openapi>[0], ...rest: unknown[]) =>
    (openapi as (...args: unknown[]) => unknown)(
      route.security?.length ? { ...route, middleware: [requireToken, ...[route.middleware ?? []].flat()] } : route,
      ...rest,
    )) as typeof app.openapi;
  registerRoutes(app);

  const allowedMethods = methodIndex(app);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) {
      return problemResponse(
        c,
        "methodNotAllowed",
        { detail: `${c.req.method} is not allowed here; use ${allowed.join(", ")}` },
        { Allow: allowed.join(", ") },
      );
    }
    return problemResponse(c, "notFound", { detail: `no route ${c.req.method} ${c.req.path}` });
  });

  app.onError((error, c) => handleError(error, c));
  return app;
}

function handleError(error: unknown, c: Context<AppEnv>): Response {
  if (error instanceof HTTPException) {
    if (error.status === 400) return problemResponse(c, "malformedJson", { detail: error.message });
    if (error.status === 413) return problemResponse(c, "tooLarge", { detail: error.message });
    if (error.status === 415)
      return problemResponse(c, "unsupportedMediaType", { detail: "send the body as application/json" });
  }
  const mapped = problemForError(error);
  if (mapped?.kind === "unavailable") {
    c.get("deps")?.log?.({
      time: new Date().toISOString(),
      level: "error",
      requestId: c.get("requestId"),
      message: "storage refused the request",
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
  }
  if (mapped) return problemResponse(c, mapped.kind, mapped.extra, mapped.headers);
  c.get("deps")?.log?.({
    time: new Date().toISOString(),
    level: "error",
    requestId: c.get("requestId"),
    message: "unexpected error",
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  return problemResponse(c, "internal", {
    detail: `an unexpected error occurred; quote request id ${c.get("requestId")} when reporting it`,
  });
}

function fieldErrors(error: ZodError, target: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const where = (path: readonly PropertyKey[]) => (target === "json" ? jsonPointer(path) : String(path[0] ?? target));
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        errors.push({ pointer: where([...issue.path, key]), detail: "is not a known field" });
      continue;
    }
    const missing = issue.code === "invalid_type" && /received undefined$/.test(issue.message);
    errors.push({ pointer: where(issue.path), detail: missing ? "is required" : issue.message });
  }
  return errors;
}

/** For 405: which methods does some route accept at this path? */
function methodIndex(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  let index: { pattern: RegExp; method: string }[] | null = null;
  return (path) => {
    index ??= app.routes
      .filter((r) => r.method !== "ALL" && r.path !== "/*")
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(
          `^${r.path
            .split("/")
            .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
            .join("/")}/?$`,
        ),
      }));
    const methods = new Set(index.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
