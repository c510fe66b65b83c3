import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";

export function registerMetrics(app: OpenAPIHono<AppEnv>) {
  app.get("/metrics", (c) =>
    c.body(c.get("deps").metrics.render(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
}
