import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { serve } from "@hono/node-server";
import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import type { AppDeps } from "../http/app-env.ts";
import { createApp } from "../http/create-app.ts";
import type { Config } from "./config.ts";

const require = createRequire(import.meta.url);

/** The docs UI script, read once from the installed package . */
export function docsScriptLoader(): () => Promise<string | null> {
  let script: Promise<string | null> | undefined;
  return () => {
    script ??= readFile(require.resolve("@scalar/api-reference/browser/standalone.js"), "utf8").catch(() => null);
    return script;
  };
}

/**
 * Serves the app until SIGTERM or SIGINT, then stops accepting, lets in-flight requests finish
 * and closes the database.
 */
export function serveUntilStopped(
  deps: AppDeps,
  database: LedgerDatabase,
  config: Pick<Config, "PORT" | "HOST">,
  onListening: (url: string) => void,
) {
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    onListening(`http://${info.address === "0.0.0.0" ? "localhost" : info.address}:${info.port}`);
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", message: `${signal}: draining` }));
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
