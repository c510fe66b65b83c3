import { createHash } from "node:crypto";
import type { AuditEvent, AuditHead, EventActor, HashVersion } from "../ports.ts";

export const GENESIS: AuditHead = { seq: 0, hash: "0".repeat(64) };

/** JSON with object keys sorted at every depth: one text per value, so hashes are stable. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) sorted[key] = sortKeys(v);
    }
    return sorted;
  }
  return value;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export type UnhashedEvent = Omit<AuditEvent, "hash">;

/** The version new events are hashed with. */
export const HASH_VERSION: HashVersion = 2;

/** Ends the fields of a version 2 preimage: JSON text never holds this character unescaped. */
export const STATE_SEPARATOR = "\u001f";

/**
 * The text an event's hash covers: every field of the event, the previous hash included, so it
 * chains.
 * - Version 2: the JSON array [2, seq, at, actorKeyId, actorHolder, organizationId, action,
 *   subjectType, subjectId, prevHash], then U+001F, then the state's canonical JSON as stored.
 * - Version 1 (events written before version 2 existed): the JSON array [seq, at, actorKeyId,
 *   actorHolder, organizationId, action, subjectType, subjectId, state, prevHash], the state as
 *   a JSON string. Verifying it re-escapes every state, which is why version 2 exists.
 */
export function hashPreimage(event: UnhashedEvent): string {
  const { seq, at, actorKeyId, actorHolder, organizationId, action, subjectType, subjectId, state, prevHash } = event;
  if (event.hashVersion === 1) {
    return JSON.stringify([
      seq,
      at,
      actorKeyId,
      actorHolder,
      organizationId,
      action,
      subjectType,
      subjectId,
      state,
      prevHash,
    ]);
  }
  // The version leads: a stored version changed to any other number changes the preimage.
  const fields = [event.hashVersion, seq, at, actorKeyId, actorHolder, organizationId, action, subjectType, subjectId];
  return JSON.stringify([...fields, prevHash]) + STATE_SEPARATOR + state;
}

export function eventHash(event: UnhashedEvent): string {
  return sha256Hex(hashPreimage(event));
}

export interface EventDraft {
  action: string;
  subjectType: string;
  subjectId: string;
  /** The subject's state after the change; stored as canonical JSON. */
  state: unknown;
  /** The organisation the change concerns, if not the actor's. */
  organizationId?: string | null;
}

export function chainEvents(
  head: AuditHead,
  drafts: EventDraft[],
  actor: EventActor,
  at: string,
  hashVersion: HashVersion = HASH_VERSION,
): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = head;
  for (const draft of drafts) {
    const unhashed: UnhashedEvent = {
      seq: prev.seq + 1,
      at,
      actorKeyId: actor.keyId,
      actorHolder: actor.holder,
      organizationId: draft.organizationId === undefined ? actor.organizationId : draft.organizationId,
      action: draft.action,
      subjectType: draft.subjectType,
      subjectId: draft.subjectId,
      state: canonicalJson(draft.state),
      prevHash: prev.hash,
      hashVersion,
    };
    const event = { ...unhashed, hash: eventHash(unhashed) };
    events.push(event);
    prev = event;
  }
  return events;
}
