import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit as streamingBodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

/**
 * Refuses a request body over `maxSize` bytes. A body that declares its length is judged by the
 * header alone: Node's parser never reads past Content-Length, and leaving the stream untouched
 * lets @hono/node-server read the body straight from the socket when the handler asks for it
 * (touching `c.req.raw.body`, as Hono's bodyLimit does, makes it build a full web Request and
 * stream first). A chunked body, or one whose length is not declared, is counted as it streams.
 */
export function bodyLimit(maxSize: number, onError: (c: Context<AppEnv>) => Response): MiddlewareHandler<AppEnv> {
  const counting = streamingBodyLimit({ maxSize, onError });
  return createMiddleware<AppEnv>(async (c, next) => {
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (!/^\d+$/.test(length.trim())) return counting(c, next);
      return Number(length) > maxSize ? onError(c) : next();
    }
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    return counting(c, next);
  });
}
