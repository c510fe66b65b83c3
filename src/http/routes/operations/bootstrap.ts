import type { OpenAPIHono } from "@hono/zod-openapi";
import { bootstrapRoute } from "../../../../contracts/operations.ts";
import { bootstrapOperators } from "../../../domain/organizations/create-operator.ts";
import type { AppEnv } from "../../app-env.ts";

export function registerBootstrap(app: OpenAPIHono<AppEnv>) {
  app.openapi(bootstrapRoute, async (c) => {
    const { bootstrapSecret, operators } = c.req.valid("json");
    const items = await bootstrapOperators(c.get("deps"), bootstrapSecret, operators);
    c.header("Cache-Control", "no-store");
    c.header("Location", `/v1/organizations/${items[0]?.organizationId}`);
    return c.json({ items }, 201);
  });
}
