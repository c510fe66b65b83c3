import { z } from "zod";
import { PrivateJwkSchema } from "../crypto/key-vault.ts";
import { WorkingDaysOverride } from "./official-calendar.ts";

/**
 * The only reader of the environment (process.env on Node, the Worker's env on Cloudflare).
 * Every setting has a working default, so `npm start` needs nothing; a bad value stops start-up
 * with a message naming the variable.
 */
const jsonObject = z.string().transform((text, ctx) => {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {}
  ctx.addIssue({ code: "custom", message: "must be a JSON object (a private Ed25519 JWK)" });
  return z.NEVER;
});

/** A private Ed25519 JWK, or a JWK Set `{ "keys": [...] }` whose first key signs and whose others still verify. */
const signingKeySetting = jsonObject.transform((value, ctx) => {
  const keys = "keys" in value ? value.keys : [value];
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 10) {
    ctx.addIssue({ code: "custom", message: "keys must be a list of 1 to 10 private Ed25519 JWKs" });
    return z.NEVER;
  }
  const parsed = keys.map((key, index) => {
    const result = PrivateJwkSchema.safeParse(key);
    if (!result.success) {
      const where = keys === value.keys ? `key ${index + 1}: ` : "";
      const problems = result.error.issues.map((issue) => issue.message).join("; ");
      ctx.addIssue({ code: "custom", message: `${where}must be a private Ed25519 JWK: ${problems}` });
    }
    return result.data;
  });
  return parsed.every((key) => key !== undefined) ? parsed : z.NEVER;
});

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  LEDGER_DATABASE: z.string().min(1).default("./data/ledger.sqlite"),
  /** `npm run demo` fills and serves this one; it must never be the real ledger. */
  LEDGER_DEMO_DATABASE: z.string().min(1).default("./data/demo.sqlite"),
  LEDGER_REGION_CODE: z
    .string()
    .regex(/^[1-9]\d{5}$/, "must be a 6-digit GB/T 2260 region code")
    .default("540100"),
  /** Begins every achievement registration number (12 characters: this, year, kind letter, serial). */
  LEDGER_REGISTRY_CODE: z
    .string()
    .regex(/^[0-9A-Z]{3}$/, "must be three characters, digits or capital letters")
    .default("LSA"),
  LEDGER_OPERATOR_ORGANIZATION: z.string().min(1).default("Technology Property Rights Market"),
  LEDGER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  LEDGER_TOKEN_ISSUER: z.string().min(1).default("tech-market-ledger"),
  LEDGER_TOKEN_AUDIENCE: z.string().min(1).default("tech-market-ledger-api"),
  /**
   * The token signing key, where it is set rather than generated: required on Workers (a secret).
   * On Node, without it, the first start generates one into LEDGER_KEY_FILE.
   */
  LEDGER_SIGNING_KEY: signingKeySetting.optional(),
  /**
   * The bulletin signing key, where it is set rather than generated: on Workers (a secret), to
   * publish bulletins. Never the token key. Earlier keys stay in the set, after the signing one.
   */
  LEDGER_BULLETIN_KEY: signingKeySetting.optional(),
  /**
   * A one-time secret that creates the first operator over HTTP (POST /v1/bootstrap), for a
   * Worker, which has no command line on D1: `npx wrangler secret put LEDGER_BOOTSTRAP_SECRET`.
   */
  LEDGER_BOOTSTRAP_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -hex 32)").optional(),
  /** The private keys' file on Node (0600); beside the database by default, never inside it. */
  LEDGER_KEY_FILE: z.string().min(1).optional(),
  LEDGER_LOG: z.enum(["json", "off"]).default("json"),
  // Limits per client (0 turns one off); see src/http/middleware/rate-limit.ts.
  /** Requests to /v1/statistics/* per client (its organisation if it sends a token, else its address) per minute. */
  LEDGER_RATE_LIMIT_STATISTICS: z.coerce.number().int().min(0).default(120),
  /** POST /v1/auth/token requests per client address per minute. */
  LEDGER_RATE_LIMIT_TOKENS: z.coerce.number().int().min(0).default(30),
  /** Refused POST /v1/auth/token attempts per key id per 15 minutes, from any address. */
  LEDGER_RATE_LIMIT_KEY_FAILURES: z.coerce.number().int().min(0).default(10),
  /**
   * How many reverse proxies in front of the service append to X-Forwarded-For: the client's
   * address is that many entries from its end. 0 (the default): the socket's address, the header ignored.
   */
  LEDGER_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * Review deadlines count China's official working days (the shipped chinese-days data); this
   * gives a year it does not know yet, as JSON: { "holidays": [dates], "workdays": [dates] }.
   */
  LEDGER_WORKING_DAYS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON: { "holidays": [...], "workdays": [...] }' });
        return z.NEVER;
      }
    })
    .pipe(WorkingDaysOverride)
    .optional(),
  /**
   * On Node: a request's headers and body must arrive within this many milliseconds (headers
   * within half of it), or the connection is answered 408 and closed, so slow or stalled clients
   * cannot hold connections and memory. A request being answered is not cut.
   */
  LEDGER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(300_000).default(8_000),
  /** The statistics answers kept per ledger head, in MiB of memory (estimated from their size). */
  LEDGER_READ_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(64),
  // The plan's goal. Defaults: Lhasa's 2021 innovation plan.
  LEDGER_GOAL_NAME: z.string().min(1).default("Cumulative technology-market transaction volume 7 billion yuan"),
  LEDGER_GOAL_TARGET: z
    .string()
    .regex(/^(0|[1-9]\d{0,12})(\.\d{1,2})?$/, "must be yuan with at most two decimals, under 10^13")
    .default("7000000000.00"),
  LEDGER_GOAL_STARTS_ON: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
    .default("2021-01-01"),
  LEDGER_GOAL_ENDS_ON: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
    .default("2025-12-31"),
  LEDGER_GOAL_AMOUNT: z.enum(["total", "technology"]).default("total"),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig(env: Record<string, unknown>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key in ConfigSchema.shape && value !== undefined && value !== ""),
  );
  const result = ConfigSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "configuration");
      const shown = variable.endsWith("_KEY") ? "" : ` (got ${JSON.stringify(present[variable] ?? null)})`;
      return `${variable}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}
