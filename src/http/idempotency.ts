import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { canonicalJson, sha256Hex } from "../domain/ledger/audit-chain.ts";
import type { IdempotencyRequest, Outcome } from "../domain/ledger/write.ts";

/** Builds the idempotency request from the Idempotency-Key header, when one was sent. */
export function idempotencyOf<T>(
  c: Context,
  body: unknown,
  status: ContentfulStatusCode,
  render: (result: T) => unknown,
): IdempotencyRequest<T> | undefined {
  const key = c.req.header("idempotency-key");
  if (!key) return undefined;
  const requestHash = sha256Hex(`${c.req.method} ${c.req.path}\n${canonicalJson(body)}`);
  return { key, requestHash, status, render };
}

/**
 * A replay answers with the first response exactly; a fresh result is rendered now. The reply is
 * typed as its route's: a replayed body is what `render` produced for this route and status.
 */
export function sendOutcome<T, B extends object, S extends ContentfulStatusCode>(
  c: Context,
  outcome: Outcome<T>,
  status: S,
  render: (result: T) => B,
) {
  if (outcome.kind === "replay") {
    c.header("Idempotent-Replayed", "true");
    return c.json(outcome.body as B, status);
  }
  return c.json(render(outcome.result), status);
}
