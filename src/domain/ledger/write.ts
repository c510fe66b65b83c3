import { HeadMovedError, IdempotencyKeyReuseError } from "../errors.ts";
import type { AttemptStore, AuditEvent, Change, Deps, EventActor } from "../ports.ts";
import { chainEvents, type EventDraft } from "./audit-chain.ts";

/** What one attempt of an operation decided: its result, and what to write for it. */
export interface Decision<T> {
  result: T;
  events: EventDraft[];
  changes: Change[];
}

export interface IdempotencyRequest<T> {
  key: string;
  /** Hash of method, path and canonical body: a different request under the same key is refused. */
  requestHash: string;
  status: number;
  render(result: T): unknown;
}

export type Outcome<T> = { kind: "done"; result: T } | { kind: "replay"; status: number; body: unknown };

const MAX_ATTEMPTS = 200;

/**
 * Reads what it needs and decides. It is handed the deps to read through: their store reads
 * inside the write's transaction (so it sees the writes queued ahead of it). Name the parameter
 * `deps`, shadowing the caller's, so no read can reach past it to the committed-only store.
 */
export type Decide<T, D> = (deps: AttemptDeps<D>, at: Date) => Promise<Decision<T>>;

/** The deps an attempt decides with: the caller's, with the store of the attempt (its own type). */
export type AttemptDeps<D> = Omit<D, "store"> & { store: AttemptStore };

/**
 * Runs an operation under optimistic concurrency. The head is read before anything else, so a
 * write that lands after our reads moves it and our commit is refused; we then decide again from
 * fresh reads. No lock is held across an await, which is what lets the same code run on D1.
 */
export async function commitDecision<T, D extends Pick<Deps, "store" | "clock" | "committed">>(
  deps: D,
  actor: EventActor,
  decide: Decide<T, D>,
  idempotency?: IdempotencyRequest<T>,
): Promise<Outcome<T>> {
  const scope = actor.keyId ?? "system";
  // The events of the attempt that committed: reported once the attempt has settled (durable).
  let written: readonly AuditEvent[] = [];
  for (let attempt = 1; ; attempt++) {
    const result = await deps.store.attempt((store) => tryOnce({ ...deps, store }, attempt));
    if (result !== RETRY) {
      if (written.length > 0) deps.committed?.(written);
      return result;
    }
    // Yield so the writer that won can finish before we read again.
    await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 10) * Math.random()));
  }

  async function tryOnce(deps: AttemptDeps<D>, attempt: number): Promise<Outcome<T> | typeof RETRY> {
    const head = await deps.store.auditHead();
    if (idempotency) {
      const earlier = await deps.store.findIdempotency(scope, idempotency.key);
      if (earlier) {
        if (earlier.requestHash !== idempotency.requestHash) {
          throw new IdempotencyKeyReuseError(
            `Idempotency-Key "${idempotency.key}" was first used with a different request`,
          );
        }
        return { kind: "replay", status: earlier.status, body: JSON.parse(earlier.body) };
      }
    }
    const now = deps.clock.now();
    let decision: Decision<T>;
    try {
      decision = await decide(deps, now);
    } catch (error) {
      // A refusal read after another write landed may describe a state that never existed
      // together with our head (a duplicate that is really our own retry, say): decide again.
      if ((await deps.store.auditHead()).seq !== head.seq && attempt < MAX_ATTEMPTS) return RETRY;
      throw error;
    }
    const at = now.toISOString();
    const changes = [...decision.changes];
    if (idempotency) {
      changes.push({
        kind: "idempotency.insert",
        record: {
          scope,
          key: idempotency.key,
          requestHash: idempotency.requestHash,
          status: idempotency.status,
          body: JSON.stringify(idempotency.render(decision.result)),
          createdAt: at,
        },
      });
    }
    if (decision.events.length === 0 && changes.length === 0) return { kind: "done", result: decision.result };
    try {
      const events = chainEvents(head, decision.events, actor, at);
      await deps.store.commit({ events, changes });
      written = events;
      return { kind: "done", result: decision.result };
    } catch (error) {
      if (!(error instanceof HeadMovedError) || attempt >= MAX_ATTEMPTS) throw error;
      return RETRY;
    }
  }
}

const RETRY = Symbol("retry");

export function eventActor(actor: { keyId: string; holder: string; organizationId: string }): EventActor {
  return { keyId: actor.keyId, holder: actor.holder, organizationId: actor.organizationId };
}
