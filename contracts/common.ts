import { z } from "@hono/zod-openapi";

/**
 * Money in requests: a string of yuan with at most two decimals. JSON numbers, signs, exponents
 * and extra decimals are refused so that no amount ever passes through a binary float. At most 13
 * integer digits (under 10^13 yuan), so every amount in fen is an exact integer with room to sum.
 */
export const MONEY_PATTERN = /^(0|[1-9]\d{0,12})(\.\d{1,2})?$/;

export const MoneyInput = z
  .string({ error: 'must be a string of yuan such as "1250000.50"' })
  .regex(MONEY_PATTERN, 'must be yuan with at most two decimals and under 10^13, such as "1250000.50"')
  .openapi({ example: "1250000.50", description: "Yuan as a string, at most two decimals" });

export const MoneyOutput = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .openapi({ example: "1250000.50", description: "Yuan as a string with exactly two decimals" });

function isCalendarDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** Half of a UTF-16 surrogate pair without the other half: no Unicode character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Characters no name or title needs and that make one string look like another or break what
 * prints it: C0 and C1 controls (CSV, logs, printed certificates), bidirectional marks, embeddings,
 * overrides and isolates (U+202A-U+202E, U+2066-U+2069: a title shown reversed), the line and
 * paragraph separators U+2028/U+2029, and Unicode noncharacters (U+FDD0-U+FDEF, U+xFFFE/U+xFFFF).
 */
const FORBIDDEN = /[\p{Cc}\p{Bidi_Control}\p{Noncharacter_Code_Point}\u2028\u2029]/u;

/** Zero-width and other invisible format characters: text made only of them looks empty. */
const INVISIBLE = /^(?:[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e\s]|\u034f)+$/u;

/**
 * Text a person typed: none of the characters above, not invisible, and no lone surrogate, which
 * SQLite would store as U+FFFD: the row would no longer be the text its audit event hashed.
 */
export function text(max: number) {
  return z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine(
      (value) => !FORBIDDEN.test(value),
      "must not contain control characters, bidirectional overrides, line separators or noncharacters",
    )
    .refine((value) => !INVISIBLE.test(value), "must contain visible characters, not only zero-width ones")
    .refine((value) => !LONE_SURROGATE.test(value), "must be valid Unicode (it holds half a surrogate pair)");
}

export const BusinessDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine(isCalendarDate, "is not a calendar date")
  .refine((v) => v >= "1949-10-01" && v <= "2099-12-31", "must be between 1949-10-01 and 2099-12-31")
  .openapi({ example: "2025-07-01", description: "Business date, China Standard Time" });

export const Instant = z.string().openapi({ example: "2025-07-01T08:00:00.000Z" });

export const Id = z.string().min(1).max(64).openapi({ example: "org_01HZX3J5Q7" });

export const RegionCode = z
  .string()
  .regex(/^[1-9]\d{5}$/, "must be a 6-digit GB/T 2260 region code")
  .openapi({ example: "540102" });

export const ProblemDetail = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ pointer: z.string(), detail: z.string() }))
      .optional()
      .openapi({ description: "The invalid fields (a JSON Pointer, a query parameter or a header), at most 20" }),
    errorCount: z.number().int().optional().openapi({ description: "How many there were, when more than 20" }),
    existingId: z
      .string()
      .optional()
      .openapi({ description: "On a conflict: the existing object, if the caller may see it" }),
  })
  .openapi("Problem");

export const problemResponses = {
  400: { description: "Invalid input", content: { "application/problem+json": { schema: ProblemDetail } } },
  401: {
    description: "Missing or invalid credentials",
    content: { "application/problem+json": { schema: ProblemDetail } },
  },
  403: { description: "Not allowed", content: { "application/problem+json": { schema: ProblemDetail } } },
  404: { description: "Not found", content: { "application/problem+json": { schema: ProblemDetail } } },
  409: { description: "Conflict", content: { "application/problem+json": { schema: ProblemDetail } } },
  422: {
    description: "Idempotency key reused with a different request",
    content: { "application/problem+json": { schema: ProblemDetail } },
  },
} as const;

/** A route limited per client (src/http/middleware/rate-limit.ts). */
export const rateLimitedResponses = {
  429: {
    description: "Too many requests from this client; Retry-After says when to try again",
    headers: { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" as const } } },
    content: { "application/problem+json": { schema: ProblemDetail } },
  },
} as const;

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: "Retry-safe key: a retry with the same key and body returns the first response" }),
});

export const ListQuery = z.object({
  limit: z.coerce
    .number({ error: "must be a whole number from 1 to 500" })
    .int("must be a whole number from 1 to 500")
    .min(1, "must be at least 1")
    .max(500, "must be at most 500")
    .default(50),
  cursor: z.string().max(200).optional(),
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const bearerSecurity = [{ bearerAuth: [] }];

/**
 * Who may call an operation, per role, published in the OpenAPI document as `x-access` (the
 * generated role matrix, test/http/role-matrix.test.ts, is driven by it):
 * - `all`: any caller of the role, on any resource of the kind;
 * - `own`: only on resources it submitted or is a party to (for `public`: registered, published
 *   ones); any other does not exist for it (404);
 * - `none`: refused (401 without a token where the operation needs one, else 403; or 404 where the
 *   resource is not visible to the caller at all).
 */
export type Access = "all" | "own" | "none";
export interface AccessRule {
  public: Access;
  member: Access;
  operator: Access;
}
export const access = (rule: AccessRule) => ({ "x-access": rule });

/** A comma-separated list of distinct names from `allowed` (a statistics `groupBy`). */
export function nameList<const T extends readonly string[]>(allowed: T, example: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return [] as T[number][];
      const parts = value.split(",").map((p) => p.trim());
      const unknown = parts.filter((p) => !(allowed as readonly string[]).includes(p));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `unknown dimension ${unknown.map((u) => `"${u}"`).join(", ")}; use any of ${allowed.join(", ")}`,
        });
        return z.NEVER;
      }
      if (new Set(parts).size !== parts.length) {
        ctx.addIssue({ code: "custom", message: "names a dimension twice" });
        return z.NEVER;
      }
      return parts as T[number][];
    })
    .openapi({ type: "string", example, description: `Comma-separated: ${allowed.join(", ")}` });
}
