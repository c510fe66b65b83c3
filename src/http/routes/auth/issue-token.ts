import type { OpenAPIHono } from "@hono/zod-openapi";
import { issueTokenRoute, jwksRoute } from "../../../../contracts/auth.ts";
import { issueToken } from "../../../domain/auth/issue-token.ts";
import type { AppEnv } from "../../app-env.ts";

export function registerIssueToken(app: OpenAPIHono<AppEnv>) {
  app.openapi(issueTokenRoute, async (c) => {
    const token = await issueToken(c.get("deps"), c.req.valid("json").apiKey);
    c.header("Cache-Control", "no-store");
    return c.json(token, 200);
  });
}

export function registerJwks(app: OpenAPIHono<AppEnv>) {
  app.openapi(jwksRoute, async (c) => {
    c.header("Cache-Control", "public, max-age=300");
    const deps = c.get("deps");
    // The token keys, then every bulletin key ever used (a bulletin stays verifiable after a rotation).
    const { keys } = await deps.signer.jwks();
    return c.json({ keys: [...keys, ...deps.bulletinSigner.publicKeys()] }, 200);
  });
}
