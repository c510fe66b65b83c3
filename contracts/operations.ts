import { createRoute, z } from "@hono/zod-openapi";
import { access, jsonResponse } from "./common.ts";

export const Health = z
  .object({ status: z.enum(["ok", "unavailable"]), database: z.enum(["ok", "unavailable"]) })
  .openapi("Health");

export const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Operations"],
  summary: "Liveness and database check",
  responses: { 200: jsonResponse(Health, "Healthy"), 503: jsonResponse(Health, "Database unavailable") },
});
