import type { OpenAPIHono } from "@hono/zod-openapi";
import { getOrganizationRoute } from "../../../../contracts/organizations.ts";
import { getOrganization } from "../../../domain/organizations/get-organization.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentOrganization } from "../../present.ts";

export function registerGetOrganization(app: OpenAPIHono<AppEnv>) {
  app.openapi(getOrganizationRoute, async (c) => {
    const record = await getOrganization(c.get("deps"), c.get("caller"), c.req.valid("param").id);
    return c.json(presentOrganization(record), 200);
  });
}
