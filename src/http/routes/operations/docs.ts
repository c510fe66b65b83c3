import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { problemResponse } from "../../problem.ts";

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Technology Market Ledger API",
    version: "1.0.0",
    description:
      "The ledger of a technology property-rights market: members record technology contracts, operators review and register them, and anyone can read progress toward the plan goal and volume breakdowns that operators can verify against a hash-chained audit log. Money is a string of yuan; business dates are China Standard Time. Achievements, IP pledges and signed bulletins are planned and not yet served.",
  },
} as const;

/** The docs page loads its script from this service, never a CDN: many deployments are offline. */
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Technology Market Ledger API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<div id="app"></div>
<script src="/docs/scalar.js"></script>
<script>Scalar.createApiReference('#app', { url: '/openapi.json', hideClientButton: true, withDefaultFonts: false, telemetry: false })</script>
</body>
</html>`;

export function registerDocs(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", OPENAPI_INFO);
  app.get("/docs", (c) => c.html(DOCS_HTML));
  app.get("/docs/scalar.js", async (c) => {
    const script = await c.get("deps").docsScript?.();
    if (!script)
      return problemResponse(c, "notFound", { detail: "the docs UI script is not bundled in this deployment" });
    return c.body(script, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=86400",
    });
  });
}
