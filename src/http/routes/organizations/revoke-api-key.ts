import type { OpenAPIHono } from "@hono/zod-openapi";
import { revokeApiKeyRoute } from "../../../../contracts/organizations.ts";
import { revokeApiKey } from "../../../domain/organizations/revoke-api-key.ts";
import type { AppEnv } from "../../app-env.ts";

export function registerRevokeApiKey(app: OpenAPIHono<AppEnv>) {
  app.openapi(revokeApiKeyRoute, async (c) => {
    const { id, keyId } = c.req.valid("param");
    await revokeApiKey(c.get("deps"), { caller: c.get("caller"), organizationId: id, keyId });
    return c.body(null, 204);
  });
}
