import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";

const DASHBOARD_HTML = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>Technology Market Ledger · 技术市场登记台账</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}</style></head>
<body>
<h1>Technology Market Ledger · 技术市场登记台账</h1>
<p>The registry's ledger of technology contracts, achievements and IP pledges.</p>
<ul>
<li><a href="/docs">API documentation</a> (<a href="/openapi.json">OpenAPI 3.1</a>)</li>
<li><a href="/healthz">Health</a></li>
<li><a href="/.well-known/jwks.json">Public signing keys</a></li>
</ul>
</body>
</html>`;

export function registerDashboard(app: OpenAPIHono<AppEnv>) {
  app.get("/", (c) => c.html(DASHBOARD_HTML));
}
