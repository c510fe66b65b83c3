import type { Context, MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { parseApiKey } from "../../domain/organizations/api-keys.ts";
import type { AppEnv } from "../app-env.ts";
import { problemResponse } from "../problem.ts";

/** A number of requests a client may make in a window; a limit of 0 turns the limiter off. */
export interface Allowance {
  limit: number;
  windowMs: number;
}

export interface RateLimitSettings {
  /** Requests to `/v1/statistics/*` per client (the caller's organisation, or its address). */
  statistics: Allowance;
  /** `POST /v1/auth/token` requests per client address. */
  tokens: Allowance;
  /** Refused `POST /v1/auth/token` attempts per key id, from anywhere: guessing one key's secret. */
  keyFailures: Allowance;
}

/** On Workers, Cloudflare's rate-limiting bindings (wrangler.toml `[[ratelimits]]`) count across isolates. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}
export type RateLimitBindings = Partial<Record<keyof RateLimitSettings, RateLimitBinding>>;

/**
 * The key a client is counted under: its IPv4 address, or the /64 prefix of its IPv6 one (one
 * host usually holds a whole /64, so counting single IPv6 addresses would limit nobody).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(":")) return address;
  const [head = "", tail = ""] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = address.includes("::") && tail ? tail.split(":") : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const windowText = (ms: number) =>
  ms % 60_000 === 0 ? `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}` : `${seconds(ms)} seconds`;

/** A binding's period is 10 or 60 seconds (wrangler.toml); it does not say when a client's count resets. */
const BINDING_PERIOD_MS = 60_000;

/** The 429: how many are allowed, and (Retry-After) when to try again. */
function tooMany(what: string, allowance: Allowance | null) {
  return (c: Context<AppEnv>) => {
    const reset = (c.get("rateLimit" as never) as { resetTime?: Date } | undefined)?.resetTime;
    const wait = seconds(reset ? reset.getTime() - Date.now() : (allowance?.windowMs ?? BINDING_PERIOD_MS));
    const rate = allowance
      ? `at most ${allowance.limit} ${what} per ${windowText(allowance.windowMs)}`
      : `too many ${what}`;
    return problemResponse(
      c as Context,
      "tooManyRequests",
      { detail: `${rate}; try again in ${wait} s` },
      { "Retry-After": String(wait) },
    );
  };
}

function limiter(
  allowance: Allowance,
  binding: RateLimitBinding | undefined,
  what: string,
  keyGenerator: (c: Context<AppEnv>) => Promise<string> | string,
  options: { failuresOnly?: boolean; skip?: (c: Context<AppEnv>) => boolean } = {},
): MiddlewareHandler<AppEnv> {
  if (allowance.limit <= 0) return (_c, next) => next();
  const skip = options.skip ?? (() => false);
  // A binding counts every request (it cannot leave out the successful ones).
  if (binding) return rateLimiter<AppEnv>({ binding, keyGenerator, handler: tooMany(what, null), skip });
  const handler = tooMany(options.failuresOnly ? `refused ${what}` : what, allowance);
  return rateLimiter<AppEnv>({
    skip,
    windowMs: allowance.windowMs,
    limit: allowance.limit,
    keyGenerator,
    handler,
    standardHeaders: "draft-6",
    ...(options.failuresOnly ? { skipSuccessfulRequests: true } : {}),
  });
}

/**
 * Limits per client on what anyone may call without a key and that costs the service work:
 * public statistics, and the token exchange (per address, and wrong secrets per key id). A
 * refused request is a 429 problem+json with Retry-After; on Node the counts are kept in memory
 * (hono-rate-limiter's store, per process), on Workers by the bindings.
 */
export function rateLimits(
  settings: RateLimitSettings,
  bindings: RateLimitBindings = {},
): { statistics: MiddlewareHandler<AppEnv>[]; tokens: MiddlewareHandler<AppEnv>[] } {
  const address = (c: Context<AppEnv>) => `addr:${clientKey(c.get("deps").clientAddress?.(c))}`;
  const caller = (c: Context<AppEnv>) => {
    const who = c.get("caller");
    return who && who.role !== "public" ? `org:${who.organizationId}` : address(c);
  };
  const keyId = async (c: Context<AppEnv>) => {
    const body = await c.req.json().catch(() => null);
    const apiKey = typeof body?.apiKey === "string" ? body.apiKey : "";
    return `key:${parseApiKey(apiKey.trim())?.keyId ?? "malformed"}`;
  };
  const onlyPost = (c: Context<AppEnv>) => c.req.method !== "POST";
  return {
    statistics: [limiter(settings.statistics, bindings.statistics, "statistics requests from one client", caller)],
    tokens: [
      limiter(settings.tokens, bindings.tokens, "token requests from one client", address, { skip: onlyPost }),
      limiter(settings.keyFailures, bindings.keyFailures, "token requests for one key", keyId, {
        skip: onlyPost,
        failuresOnly: true,
      }),
    ],
  };
}
