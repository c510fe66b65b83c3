import { createRoute, z } from "@hono/zod-openapi";
import {
  access,
  BusinessDate,
  bearerSecurity,
  Id,
  IdempotencyHeaders,
  Instant,
  jsonBody,
  jsonResponse,
  MoneyOutput,
  problemResponses,
} from "./common.ts";
import { Suppressible } from "./statistics.ts";

/**
 * Statistics bulletins (../shared/api.md, "Statistics bulletins"): names and shapes are fixed, a
 * verifier outside this repository reads them. Kept free of the database and the domain, so the
 * verifier (src/bulletins/verify-bulletin.ts) can be lifted out with this file and the crypto module.
 */

/** `2025`, `2025-H2`, `2025-Q3` or `2025-07`. */
export const BULLETIN_PERIOD = /^(\d{4})(?:-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$/;

/** The first and last day of a period, or null if it is not one. */
export function periodRange(period: string): { from: string; to: string } | null {
  const match = BULLETIN_PERIOD.exec(period);
  if (!match) return null;
  const year = Number(match[1]);
  const part = match[2];
  const [first, last] = !part
    ? [1, 12]
    : part.startsWith("H")
      ? part === "H1"
        ? [1, 6]
        : [7, 12]
      : part.startsWith("Q")
        ? [(Number(part[1]) - 1) * 3 + 1, Number(part[1]) * 3]
        : [Number(part), Number(part)];
  const lastDay = new Date(Date.UTC(year, last, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, "0");
  return { from: `${year}-${pad(first)}-01`, to: `${year}-${pad(last)}-${pad(lastDay)}` };
}

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 hash in lowercase hex");

const BulletinFigures = z.object({
  count: z.number().int(),
  totalAmount: MoneyOutput,
  technologyAmount: MoneyOutput,
});

/** A row of the period's figures by type or field, under disclosure control (public). */
const BulletinRow = BulletinFigures.partial().extend(Suppressible);

export const BulletinPayload = z
  .object({
    iss: z.string(),
    sequence: z.number().int().min(1),
    period: z.string().regex(BULLETIN_PERIOD),
    from: BusinessDate,
    to: BusinessDate,
    publishedAt: Instant,
    ledgerHead: z.object({ seq: z.number().int().min(0), hash: Hex32 }),
    figures: BulletinFigures.extend({
      byType: z.array(BulletinRow.extend({ type: z.string() })),
      byTechField: z.array(BulletinRow.extend({ techField: z.string() })),
    }),
    goals: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        targetAmount: MoneyOutput,
        cumulativeAmount: MoneyOutput,
        percent: z.string(),
        reachedOn: BusinessDate.nullable(),
      }),
    ),
    merkle: z.object({ treeSize: z.number().int().min(0), rootHash: Hex32 }),
    previous: z
      .object({ sequence: z.number().int().min(1), jwsHash: Hex32, treeSize: z.number().int().min(0) })
      .nullable(),
    consistencyProof: z.array(Hex32),
  })
  .openapi("BulletinPayload");
export type BulletinPayload = z.infer<typeof BulletinPayload>;

export const Bulletin = z
  .object({
    id: Id,
    sequence: z.number().int(),
    period: z.string(),
    publishedAt: Instant,
    payload: BulletinPayload,
    jws: z
      .string()
      .openapi({ description: "Compact JWS over payload: EdDSA, typ bulletin+jws, kid the key's RFC 7638 thumbprint" }),
  })
  .openapi("Bulletin");

export const PublishBulletinBody = z
  .object({
    period: z
      .string({ error: "period is required" })
      .regex(BULLETIN_PERIOD, "must be a year (2025), a half (2025-H2), a quarter (2025-Q3) or a month (2025-07)")
      .openapi({ example: "2025-07" }),
  })
  .strict();

export const BulletinProof = z
  .object({
    items: z.array(z.object({ leafIndex: z.number().int(), leaf: z.string(), auditPath: z.array(Hex32) })),
    treeSize: z.number().int(),
    rootHash: Hex32,
  })
  .openapi("BulletinProof");

const tags = ["Statistics bulletins"];
const BulletinParams = z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }) });

export const publishBulletinRoute = createRoute({
  operationId: "publishBulletin",
  method: "post",
  path: "/v1/bulletins",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags,
  summary: "Publish the signed bulletin of a period that has ended in China Standard Time (operators), once per period",
  security: bearerSecurity,
  request: { headers: IdempotencyHeaders, body: jsonBody(PublishBulletinBody) },
  responses: { 201: jsonResponse(Bulletin, "Published"), ...problemResponses },
});

export const listBulletinsRoute = createRoute({
  operationId: "listBulletins",
  method: "get",
  path: "/v1/bulletins",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags,
  summary: "Every published bulletin, newest first",
  responses: { 200: jsonResponse(z.object({ items: z.array(Bulletin) }), "Bulletins") },
});

export const getBulletinRoute = createRoute({
  operationId: "getBulletin",
  method: "get",
  path: "/v1/bulletins/{id}",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags,
  summary: "One bulletin",
  request: { params: BulletinParams },
  responses: { 200: jsonResponse(Bulletin, "The bulletin"), ...problemResponses },
});

export const bulletinProofRoute = createRoute({
  operationId: "getBulletinProof",
  method: "get",
  path: "/v1/bulletins/{id}/proofs/{contractId}",
  ...access({ public: "none", member: "own", operator: "all" }),
  tags,
  summary: "Inclusion proofs of a contract's volume entries in a bulletin's tree (the contract's parties, operators)",
  security: bearerSecurity,
  request: {
    params: BulletinParams.extend({ contractId: Id.openapi({ param: { name: "contractId", in: "path" } }) }),
  },
  responses: { 200: jsonResponse(BulletinProof, "Proofs"), ...problemResponses },
});

export const bulletinEntriesRoute = createRoute({
  operationId: "listBulletinEntries",
  method: "get",
  path: "/v1/bulletins/{id}/entries",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags,
  summary: "Every leaf of a bulletin's tree in order, one per line (NDJSON), for auditors (operators)",
  security: bearerSecurity,
  request: { params: BulletinParams },
  responses: {
    200: {
      description: "One leaf (an entry's canonical JSON) per line",
      content: { "application/x-ndjson": { schema: z.string() } },
    },
    ...problemResponses,
  },
});
