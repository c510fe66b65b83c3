import { createHash } from "node:crypto";
import type { AuditEvent, AuditHead, EventActor } from "./ports.ts";

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

/** The hash covers every field of the event, the previous hash included, so it chains. */
export function eventHash(event: UnhashedEvent): string {
  return sha256Hex(
    JSON.stringify([
      event.seq,
      event.at,
      event.actorKeyId,
      event.actorHolder,
      event.organizationId,
      event.action,
      event.subjectType,
      event.subjectId,
      event.state,
      event.prevHash,
    ]),
  );
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

export function chainEvents(head: AuditHead, drafts: EventDraft[], actor: EventActor, at: string): AuditEvent[] {
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
    };
    const event = { ...unhashed, hash: eventHash(unhashed) };
    events.push(event);
    prev = event;
  }
  return events;
}
