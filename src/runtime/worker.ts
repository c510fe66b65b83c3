import type { OpenAPIHono } from "@hono/zod-openapi";
import { type D1Binding, openD1 } from "../../db/dialects/d1.ts";
import { migrate } from "../../db/migrate.ts";
import { configuredVault } from "../crypto/key-vault.ts";
import type { AppEnv } from "../http/app-env.ts";
import { createApp } from "../http/create-app.ts";
import type { RateLimitBinding, RateLimitBindings } from "../http/middleware/rate-limit.ts";
import { problemBody } from "../http/problem.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { buildDeps } from "./deps.ts";

/** The Worker's bindings: the D1 database and the same variables as on Node. */
export interface WorkerEnv {
  DB: D1Binding;
  /** Rate-limiting bindings (wrangler.toml); without them the Worker counts in each isolate's memory. */
  STATISTICS_RATE_LIMIT?: RateLimitBinding;
  TOKEN_RATE_LIMIT?: RateLimitBinding;
  KEY_RATE_LIMIT?: RateLimitBinding;
  [variable: string]: unknown;
}

/** Dependencies are built once per isolate, from its bindings; migrations run on first use. */
export async function bootWorker(env: WorkerEnv): Promise<OpenAPIHono<AppEnv>> {
  const config = parseConfig(env);
  if (!config.LEDGER_SIGNING_KEY) {
    // A Worker has no file to keep a generated key in, and D1 must not hold it in clear.
    throw new ConfigError(
      "LEDGER_SIGNING_KEY is not set: create a key with  npm run cli -- generate-signing-key  and store it with  npx wrangler secret put LEDGER_SIGNING_KEY  (or in .dev.vars for wrangler dev)",
    );
  }
  const database = openD1(env.DB);
  await migrate(database);
  const log =
    config.LEDGER_LOG === "json" ? (line: Record<string, unknown>) => console.log(JSON.stringify(line)) : undefined;
  // Bulletins are published only where LEDGER_BULLETIN_KEY is set (503 naming it otherwise).
  const vault = configuredVault(
    "LEDGER_SIGNING_KEY",
    config.LEDGER_SIGNING_KEY,
    config.LEDGER_BULLETIN_KEY ? { variable: "LEDGER_BULLETIN_KEY", keys: config.LEDGER_BULLETIN_KEY } : undefined,
  );
  const rateLimitBindings = {
    statistics: env.STATISTICS_RATE_LIMIT,
    tokens: env.TOKEN_RATE_LIMIT,
    keyFailures: env.KEY_RATE_LIMIT,
  };
  return createApp(
    await buildDeps(database, config, {
      vault,
      ...(log ? { log } : {}),
      rateLimitBindings: Object.fromEntries(
        Object.entries(rateLimitBindings).filter(([, binding]) => binding !== undefined),
      ) as RateLimitBindings,
      // Cloudflare sets it from the connection; a client cannot.
      clientAddress: (c) => c.req.header("cf-connecting-ip"),
    }),
  );
}

let booted: Promise<OpenAPIHono<AppEnv>> | undefined;

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    booted ??= bootWorker(env).catch((error) => {
      booted = undefined;
      throw error;
    });
    let app: OpenAPIHono<AppEnv>;
    try {
      app = await booted;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The operator reads what to set in the log; a client learns only that it is not ready.
      console.error(error.message);
      const body = problemBody("unavailable", {
        detail: "the service is not configured yet; its log says what to set",
      });
      return new Response(JSON.stringify(body), {
        status: 503,
        headers: { "content-type": "application/problem+json", "retry-after": "60" },
      });
    }
    return app.fetch(request, env);
  },
};
