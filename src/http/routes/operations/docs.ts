import type { OpenAPIHono } from "@hono/zod-openapi";
import { completeOperations } from "../../../../contracts/complete-operations.ts";
import type { AppEnv } from "../../app-env.ts";
import { problemResponse } from "../../problem.ts";

export const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Technology Market Ledger API",
    version: "1.0.0",
    description:
      "The ledger of a technology property-rights market: universities and institutes register technology achievements (a public catalogue), members record technology contracts, banks record IP pledges, operators review and register them, and anyone can read progress toward the plan's goals, breakdowns under disclosure control, and signed statistics bulletins that operators and outsiders can verify against a hash-chained audit log. Money is a string of yuan; business dates are China Standard Time.",
  },
  servers: [{ url: "/", description: "This service (the document is served by the ledger it describes)" }] as {
    url: string;
    description: string;
  }[],
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
  completeOperations(app.openAPIRegistry);
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
