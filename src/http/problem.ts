import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  BusyError,
  ConflictError,
  type FieldError,
  ForbiddenError,
  IdempotencyKeyReuseError,
  InvalidStateError,
  MAX_FIELD_ERRORS,
  NotFoundError,
  ServiceUnavailableError,
  UnauthenticatedError,
  UnresolvedReferenceError,
  ValidationError,
} from "../domain/errors.ts";

/** RFC 9457 problem details. `type` names the kind of problem; `detail` this occurrence. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  /** How many field errors there were, where `errors` shows only the first MAX_FIELD_ERRORS. */
  errorCount?: number;
  existingId?: string;
}

const TYPE_BASE = "urn:tech-market-ledger:problem:";

export const problems = {
  validation: { status: 400, slug: "validation", title: "The request is not valid" },
  malformedJson: { status: 400, slug: "malformed-json", title: "The request body is not valid JSON" },
  unauthenticated: { status: 401, slug: "unauthenticated", title: "Authentication is required" },
  forbidden: { status: 403, slug: "forbidden", title: "Not allowed" },
  notFound: { status: 404, slug: "not-found", title: "Not found" },
  methodNotAllowed: { status: 405, slug: "method-not-allowed", title: "Method not allowed" },
  conflict: { status: 409, slug: "conflict", title: "Conflict" },
  invalidState: { status: 409, slug: "invalid-state", title: "Not allowed in the current status" },
  tooLarge: { status: 413, slug: "payload-too-large", title: "The request body is too large" },
  unsupportedMediaType: { status: 415, slug: "unsupported-media-type", title: "Unsupported media type" },
  unresolvedReference: {
    status: 422,
    slug: "unresolved-reference",
    title: "The request names something that cannot be used here",
  },
  idempotencyKeyReuse: { status: 422, slug: "idempotency-key-reuse", title: "Idempotency-Key reused" },
  tooManyRequests: { status: 429, slug: "too-many-requests", title: "Too many requests" },
  internal: { status: 500, slug: "internal", title: "Internal server error" },
  unavailable: { status: 503, slug: "unavailable", title: "The service is unavailable" },
} as const;

export type ProblemKind = keyof typeof problems;

export function problemBody(
  kind: ProblemKind,
  extra: Omit<Partial<Problem>, "type" | "title" | "status"> = {},
): Problem {
  const p = problems[kind];
  const capped =
    extra.errors && extra.errors.length > MAX_FIELD_ERRORS
      ? { errors: extra.errors.slice(0, MAX_FIELD_ERRORS), errorCount: extra.errors.length }
      : {};
  return { type: `${TYPE_BASE}${p.slug}`, title: p.title, status: p.status, ...extra, ...capped };
}

export function problemResponse(
  c: Context,
  kind: ProblemKind,
  extra: Omit<Partial<Problem>, "type" | "title" | "status"> = {},
  headers: Record<string, string> = {},
): Response {
  const body = {
    ...problemBody(kind, extra),
    instance: c.req.path,
    requestId: c.get("requestId") as string | undefined,
  };
  return c.body(JSON.stringify(body), problems[kind].status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
    ...headers,
  });
}

/** SQLite's own codes (better-sqlite3's `code`) or message texts (D1 carries only the message). */
const STORAGE_FAILURES: { pattern: RegExp; detail: string; retryAfter: string }[] = [
  {
    pattern: /SQLITE_FULL|database or disk is full/,
    detail: "the ledger's storage is full; nothing was written; retry later",
    retryAfter: "60",
  },
  {
    pattern: /SQLITE_READONLY|attempt to write a readonly database|write-ahead log cannot be written/,
    detail: "the ledger's database cannot be written (a read-only file or mount); nothing was written",
    retryAfter: "300",
  },
  {
    pattern: /SQLITE_BUSY|database is locked/,
    detail: "the ledger's database is busy (another process holds its write lock); nothing was written; retry",
    retryAfter: "1",
  },
  {
    pattern: /SQLITE_IOERR|disk I\/O error|write-ahead log could not be synced/,
    detail: "the ledger's storage failed; the service needs a restart before it accepts writes",
    retryAfter: "30",
  },
];

/** Storage that refuses writes is unavailable (503), not an internal error: the request may succeed later. */
function storageFailure(error: unknown): { detail: string; retryAfter: string } | null {
  const texts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) texts.push(`${(e as { code?: unknown }).code ?? ""} ${e.message}`);
  }
  const text = texts.join(" ");
  return STORAGE_FAILURES.find((failure) => failure.pattern.test(text)) ?? null;
}

/** Maps the domain's typed errors to problems; anything else is a 500 that reveals nothing. */
export function problemForError(
  error: unknown,
): { kind: ProblemKind; extra: Partial<Problem>; headers?: Record<string, string> } | null {
  if (error instanceof UnresolvedReferenceError)
    return { kind: "unresolvedReference", extra: { detail: error.message, errors: error.errors } };
  if (error instanceof ValidationError)
    return { kind: "validation", extra: { detail: error.message, errors: error.errors } };
  if (error instanceof UnauthenticatedError)
    return {
      kind: "unauthenticated",
      extra: { detail: error.message },
      headers: { "WWW-Authenticate": 'Bearer realm="ledger"' },
    };
  if (error instanceof ForbiddenError) return { kind: "forbidden", extra: { detail: error.message } };
  if (error instanceof NotFoundError) return { kind: "notFound", extra: { detail: error.message } };
  if (error instanceof InvalidStateError) return { kind: "invalidState", extra: { detail: error.message } };
  if (error instanceof ConflictError)
    return {
      kind: "conflict",
      extra: { detail: error.message, ...(error.existingId ? { existingId: error.existingId } : {}) },
    };
  if (error instanceof BusyError)
    return {
      kind: "unavailable",
      extra: { detail: error.message },
      headers: { "Retry-After": String(error.retryAfterSeconds) },
    };
  if (error instanceof ServiceUnavailableError) return { kind: "unavailable", extra: { detail: error.message } };
  const storage = storageFailure(error);
  if (storage) {
    return { kind: "unavailable", extra: { detail: storage.detail }, headers: { "Retry-After": storage.retryAfter } };
  }
  if (error instanceof IdempotencyKeyReuseError)
    return {
      kind: "idempotencyKeyReuse",
      extra: { detail: error.message, errors: [{ pointer: "Idempotency-Key", detail: error.message }] },
    };
  return null;
}

/** RFC 6901: `~` and `/` inside a key are escaped. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${String(part).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}
