import type { OpenAPIHono } from "@hono/zod-openapi";
import { type D1Binding, openD1 } from "../../db/dialects/d1.ts";
import { migrate } from "../../db/migrate.ts";
import type { AppEnv } from "../http/app-env.ts";
import { createApp } from "../http/create-app.ts";
import { parseConfig } from "./config.ts";
import { buildDeps } from "./deps.ts";

/** The Worker's bindings: the D1 database and the same variables as on Node. */
export interface WorkerEnv {
  DB: D1Binding;
  [variable: string]: unknown;
}

/** Dependencies are built once per isolate, from its bindings; migrations run on first use. */
export async function bootWorker(env: WorkerEnv): Promise<OpenAPIHono<AppEnv>> {
  const config = parseConfig(env);
  const database = openD1(env.DB);
  await migrate(database);
  const log =
    config.LEDGER_LOG === "json" ? (line: Record<string, unknown>) => console.log(JSON.stringify(line)) : undefined;
  return createApp(await buildDeps(database, config, log ? { log } : {}));
}

let booted: Promise<OpenAPIHono<AppEnv>> | undefined;

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    booted ??= bootWorker(env).catch((error) => {
      booted = undefined;
      throw error;
    });
    return (await booted).fetch(request, env);
  },
};
