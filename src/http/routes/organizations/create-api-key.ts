import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApiKeyRoute } from "../../../../contracts/organizations.ts";
import { createApiKey, type IssuedApiKey } from "../../../domain/organizations/create-api-key.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentApiKey } from "../../present.ts";

export function registerCreateApiKey(app: OpenAPIHono<AppEnv>) {
  app.openapi(createApiKeyRoute, async (c) => {
    const body = c.req.valid("json");
    const outcome = await createApiKey(c.get("deps"), {
      caller: c.get("caller"),
      organizationId: c.req.valid("param").id,
      holder: body.holder,
      // The stored replay never holds the secret: keys are kept only as hashes.
      idempotency: idempotencyOf(c, body, 201, (issued: IssuedApiKey) => presentApiKey(issued, false)),
    });
    return sendOutcome(
      c,
      outcome,
      201,
      (issued) => presentApiKey(issued, true),
      (key) => `${c.req.path}/${key.id}`,
    );
  });
}
