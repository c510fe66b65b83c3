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
 * typed as its route's: a replayed body is what `render` produced for this route and status. A
 * 201 names what it created in `Location`: by default the collection's path and the body's id.
 */
export function sendOutcome<T, B extends object, S extends ContentfulStatusCode>(
  c: Context,
  outcome: Outcome<T>,
  status: S,
  render: (result: T) => B,
  location: (body: B) => string = (body) => `${c.req.path}/${(body as { id?: string }).id}`,
) {
  const body = outcome.kind === "replay" ? (outcome.body as B) : render(outcome.result);
  if (outcome.kind === "replay") c.header("Idempotent-Replayed", "true");
  if (status === 201) c.header("Location", location(body));
  return c.json(body, status);
}
