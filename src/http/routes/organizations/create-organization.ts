import type { OpenAPIHono } from "@hono/zod-openapi";
import { createOrganizationRoute } from "../../../../contracts/organizations.ts";
import { createOrganization } from "../../../domain/organizations/create-organization.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentOrganization } from "../../present.ts";

export function registerCreateOrganization(app: OpenAPIHono<AppEnv>) {
  app.openapi(createOrganizationRoute, async (c) => {
    const body = c.req.valid("json");
    const outcome = await createOrganization(c.get("deps"), {
      caller: c.get("caller"),
      ...body,
      idempotency: idempotencyOf(c, body, 201, presentOrganization),
    });
    return sendOutcome(c, outcome, 201, presentOrganization);
  });
}
