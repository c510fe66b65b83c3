import type { Context } from "hono";
import type { Caller, Deps } from "../domain/ports.ts";
import type { LedgerMetrics } from "./metrics.ts";
import type { RateLimitBindings, RateLimitSettings } from "./middleware/rate-limit.ts";

export interface AppDeps extends Deps {
  /** The Node runtime keeps metrics (runtime/prom-metrics.ts); a Worker keeps none. */
  metrics?: LedgerMetrics;
  /** Writes one structured log line; omitted in tests. */
  log?: (line: Record<string, unknown>) => void;
  /** The docs UI script, served from the installed package rather than a CDN. */
  docsScript?: () => Promise<string | null>;
  /** Limits per client on public statistics and token requests (429); absent, none. */
  rateLimits?: RateLimitSettings;
  /** On Workers: Cloudflare's rate-limiting bindings, used instead of counts in memory. */
  rateLimitBindings?: RateLimitBindings;
  /** The client's network address as the runtime sees it (the socket, a trusted proxy's header). */
  clientAddress?: (c: Context) => string | undefined;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    caller: Caller;
    deps: AppDeps;
  };
}
