import { createRoute, z } from "@hono/zod-openapi";
import { access, bearerSecurity, Instant, jsonResponse, ListQuery, listOf, problemResponses } from "./common.ts";

export const AuditEvent = z
  .object({
    seq: z.number().int(),
    at: Instant,
    actor: z.object({ keyId: z.string().nullable(), holder: z.string() }),
    organizationId: z.string().nullable().openapi({ description: "The organisation the change concerns" }),
    action: z.string().openapi({ example: "tech_contract.registered" }),
    subjectType: z.string(),
    subjectId: z.string(),
    state: z.unknown().openapi({ description: "The subject's full state after the change" }),
    prevHash: z.string(),
    hash: z.string().openapi({
      description:
        "SHA-256 (hex) of the event's preimage, by hashVersion. 2: the JSON array [2, seq, at, actorKeyId, actorHolder, organizationId, action, subjectType, subjectId, prevHash], the character U+001F, then the canonical state JSON. 1: the JSON array [seq, at, actorKeyId, actorHolder, organizationId, action, subjectType, subjectId, canonical state JSON as a string, prevHash]. Canonical JSON: JSON.stringify with object keys sorted at every depth.",
    }),
    hashVersion: z.union([z.literal(1), z.literal(2)]).openapi({
      description: "Which preimage the hash covers: 1 for events written before version 2 existed",
    }),
  })
  .openapi("AuditEvent");

export const AuditEventsQuery = z.object({
  after: z.coerce
    .number({ error: "must be a sequence number" })
    .int("must be a whole number")
    .min(0, "must be 0 or more")
    .default(0)
    .openapi({ description: "Return events after this sequence number" }),
  cursor: z
    .string()
    .regex(/^\d+$/, "is not a cursor this API returned")
    .optional()
    .openapi({ description: "nextCursor of the previous page (the same as after)" }),
  limit: ListQuery.shape.limit,
});

export const Verification = z
  .object({
    ok: z.boolean(),
    checked: z.number().int().openapi({ description: "Events recomputed" }),
    subjectsChecked: z.number().int(),
    head: z.object({ seq: z.number().int(), hash: z.string() }),
    firstInvalidSeq: z.number().int().nullable(),
    problems: z.array(
      z.object({ seq: z.number().int().nullable(), subject: z.string().optional(), detail: z.string() }),
    ),
  })
  .openapi("Verification");

export const listAuditEventsRoute = createRoute({
  operationId: "listAuditEvents",
  method: "get",
  path: "/v1/audit/events",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Audit"],
  summary: "The append-only log of every change (operators)",
  security: bearerSecurity,
  request: { query: AuditEventsQuery },
  responses: { 200: jsonResponse(listOf(AuditEvent), "Events in sequence order"), ...problemResponses },
});

export const verifyLedgerRoute = createRoute({
  operationId: "verifyLedger",
  method: "get",
  path: "/v1/audit/verification",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Audit"],
  summary: "Recompute the chain and check every record against it (operators)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(Verification, "The verification report"), ...problemResponses },
});
