import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { problemResponse } from "../../problem.ts";

export function registerMetrics(app: OpenAPIHono<AppEnv>) {
  app.get("/metrics", async (c) => {
    const metrics = c.get("deps").metrics;
    if (!metrics) {
      return problemResponse(c, "notFound", {
        detail:
          "this runtime keeps no metrics: an isolate's counters say nothing about a Worker deployment; use Cloudflare's Workers analytics",
      });
    }
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { "Content-Type": contentType });
  });
}
