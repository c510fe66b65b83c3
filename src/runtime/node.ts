import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { serve } from "@hono/node-server";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { createApp } from "../http/create-app.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { buildDeps } from "./deps.ts";

const require = createRequire(import.meta.url);

async function main() {
  const config = parseConfig(process.env);
  const database = openSqlite(config.LEDGER_DATABASE);
  const report = await migrate(database);
  const log =
    config.LEDGER_LOG === "json" ? (line: Record<string, unknown>) => console.log(JSON.stringify(line)) : undefined;
  let docsScript: Promise<string | null> | undefined;
  const deps = await buildDeps(database, config, {
    ...(log ? { log } : {}),
    docsScript: () => {
      docsScript ??= readFile(require.resolve("@scalar/api-reference/browser/standalone.js"), "utf8").catch(() => null);
      return docsScript;
    },
  });
  const operators = await deps.store.findOperatorOrganization();
  const app = createApp(deps);

  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    const url = `http://${info.address === "0.0.0.0" ? "localhost" : info.address}:${info.port}`;
    console.log(
      [
        `tech-market-ledger listening on ${url}`,
        `  database: ${config.LEDGER_DATABASE} (schema version ${report.current}${report.applied.length ? `, applied ${report.applied.join(", ")}` : ""})`,
        `  docs:     ${url}/docs`,
        operators
          ? "  operators: add one with  npm run cli -- create-operator --name NAME"
          : "  no operator yet: create the first with  npm run cli -- create-operator --name NAME",
      ].join("\n"),
    );
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", message: `${signal}: draining` }));
    // Stop accepting, let in-flight requests finish, then close the database.
    server.close(async () => {
      await database.close();
      process.exit(0);
    });
    if ("closeIdleConnections" in server) (server as { closeIdleConnections(): void }).closeIdleConnections();
    setTimeout(() => {
      console.error("shutdown timed out after 10 s; exiting");
      process.exit(1);
    }, 10_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
