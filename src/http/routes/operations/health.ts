import type { OpenAPIHono } from "@hono/zod-openapi";
import { healthRoute } from "../../../../contracts/operations.ts";
import type { AppEnv } from "../../app-env.ts";

export function registerHealth(app: OpenAPIHono<AppEnv>) {
  app.openapi(healthRoute, async (c) => {
    try {
      await c.get("deps").store.ping();
      return c.json({ status: "ok" as const, database: "ok" as const }, 200);
    } catch {
      return c.json({ status: "unavailable" as const, database: "unavailable" as const }, 503);
    }
  });
}
