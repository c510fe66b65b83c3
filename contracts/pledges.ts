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
  ListQuery,
  listOf,
  MoneyInput,
  MoneyOutput,
  nameList,
  problemResponses,
  rateLimitedResponses,
  text,
} from "./common.ts";
import { ipNumberProblem, ipRightKey } from "./ip-numbers.ts";
import { Suppressible } from "./statistics.ts";
import { ALWAYS, Party, PartyInput, ReasonBody } from "./tech-contracts.ts";

export const PLEDGE_STATUSES = ["submitted", "registered", "rejected", "released"] as const;
export const PLEDGE_RIGHT_TYPES = ["patent", "trademark", "copyright", "software_copyright"] as const;
/** Statuses in which a pledge holds its rights: none of them can be pledged again meanwhile. */
export const HOLDING_STATUSES = ["submitted", "registered"] as const;
/** A pledge secures a small loan below this many yuan (the plan's measure of financing for small firms). */
export const SMALL_PLEDGE_YUAN = 10_000_000;
export const MAX_PLEDGE_RIGHTS = 50;

const RightType = z.enum(PLEDGE_RIGHT_TYPES);

const PledgedRight = z
  .object({ type: RightType, number: text(64), title: text(300) })
  .strict()
  .superRefine((r, ctx) => {
    // Runs even when the fields failed their own schemas (ALWAYS), so it checks their types first.
    if (typeof r.type !== "string" || typeof r.number !== "string") return;
    const problem = ipNumberProblem(r.type, r.number);
    if (problem) ctx.addIssue({ code: "custom", path: ["number"], message: problem });
  }, ALWAYS)
  .openapi("PledgedRightInput");

const isZero = (v: unknown) => typeof v === "string" && /^0(\.0{1,2})?$/.test(v);

/** Rules across fields; they run even where a field failed, so every bad field is named at once. */
function checkPledgeRules(p: Record<string, unknown>, ctx: z.RefinementCtx) {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (typeof p.termStart === "string" && typeof p.termEnd === "string" && p.termEnd < p.termStart) {
    issue(["termEnd"], "must not be before termStart");
  }
  if (isZero(p.securedAmount)) issue(["securedAmount"], "must be more than zero");
  if (Array.isArray(p.rights)) {
    const seen = new Set<string>();
    p.rights.forEach((v, i) => {
      const r = (v ?? {}) as { type?: unknown; number?: unknown };
      if (typeof r.type !== "string" || typeof r.number !== "string") return;
      const key = ipRightKey(r.type, r.number);
      if (seen.has(key)) issue(["rights", i], "is given twice");
      seen.add(key);
    });
  }
}

export const RecordPledgeBody = z
  .object({
    pledgor: PartyInput,
    pledgeeOrganizationId: Id,
    rights: z
      .array(PledgedRight)
      .min(1, `pledge 1 to ${MAX_PLEDGE_RIGHTS} rights`)
      .max(MAX_PLEDGE_RIGHTS, `pledge 1 to ${MAX_PLEDGE_RIGHTS} rights`),
    securedAmount: MoneyInput,
    termStart: BusinessDate,
    termEnd: BusinessDate,
    contractNumber: text(64),
  })
  .strict()
  .superRefine(checkPledgeRules, ALWAYS)
  .openapi("RecordPledge", {
    example: {
      pledgor: { organizationId: "org_01J8Z3K5Q7W9X1Y3Z5A7B9C1D3" },
      pledgeeOrganizationId: "org_01J8Z3K5Q7W9X1Y3Z5A7B9C1D4",
      rights: [
        { type: "patent", number: "ZL202110123456.7", title: "一种青稞β-葡聚糖的提取方法" },
        { type: "trademark", number: "12345678", title: "雪域青稞" },
      ],
      securedAmount: "5000000",
      termStart: "2026-01-01",
      termEnd: "2028-12-31",
      contractNumber: "ZYDK-2026-0001",
    },
  });

export const PledgeDecisionBody = z
  .object({ decision: z.enum(["register", "reject"]), reason: text(2000).optional() })
  .strict()
  .superRefine((d, ctx) => {
    if (d.decision === "reject" && d.reason === undefined) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: "is required to reject" });
    }
  }, ALWAYS)
  .openapi("PledgeDecision", {
    description:
      "On a submitted pledge, registers or rejects it; on a registered pledge with a requested change, registers or rejects the change.",
  });

export const PledgeChangeBody = z
  .object({ securedAmount: MoneyInput.optional(), termEnd: BusinessDate.optional(), reason: text(2000) })
  .strict()
  .superRefine((c: Record<string, unknown>, ctx) => {
    if (c.securedAmount === undefined && c.termEnd === undefined) {
      ctx.addIssue({ code: "custom", path: ["securedAmount"], message: "give securedAmount, termEnd or both" });
    }
    if (isZero(c.securedAmount))
      ctx.addIssue({ code: "custom", path: ["securedAmount"], message: "must be more than zero" });
  }, ALWAYS)
  .openapi("PledgeChange");

const PledgedRightOutput = z.object({ type: RightType, number: z.string(), title: z.string() });

const PledgeChangeOutput = z
  .object({
    version: z.number().int().openapi({ description: "The version the change made" }),
    securedAmountBefore: MoneyOutput,
    securedAmount: MoneyOutput,
    termEndBefore: BusinessDate,
    termEnd: BusinessDate,
    reason: z.string(),
    registeredOn: BusinessDate,
  })
  .openapi("PledgeChangeRecord");

export const Pledge = z
  .object({
    id: Id,
    status: z.enum(PLEDGE_STATUSES),
    pledgor: Party,
    pledgee: z.object({ organizationId: Id, name: z.string() }),
    rights: z.array(PledgedRightOutput),
    securedAmount: MoneyOutput,
    sizeBand: z.enum(["small", "large"]),
    termStart: BusinessDate,
    termEnd: BusinessDate,
    contractNumber: z.string(),
    registrationNumber: z.string().nullable(),
    registeredOn: BusinessDate.nullable(),
    version: z.number().int().openapi({ description: "1 when registered; each registered change adds one" }),
    pendingChange: z
      .object({
        securedAmount: MoneyOutput.nullable(),
        termEnd: BusinessDate.nullable(),
        reason: z.string(),
        requestedAt: Instant,
      })
      .nullable()
      .openapi({ description: "A change the pledgee requested, waiting for an operator's decision" }),
    changes: z.array(PledgeChangeOutput).openapi({ description: "Registered changes, oldest first" }),
    decisionReason: z.string().nullable(),
    releasedOn: BusinessDate.nullable(),
    releaseReason: z.string().nullable(),
    submittedAt: Instant,
    submittedBy: z.object({ organizationId: Id, keyId: z.string(), holder: z.string() }),
    updatedAt: Instant,
  })
  .openapi("Pledge");

export const ListPledgesQuery = ListQuery.extend({ status: z.enum(PLEDGE_STATUSES).optional() });

export const RightLookup = z
  .object({
    right: z.object({ type: RightType, number: z.string() }).openapi({ description: "The number in normal form" }),
    pledged: z.boolean(),
    status: z.enum(HOLDING_STATUSES).nullable(),
    registrationNumber: z.string().nullable(),
    registeredOn: BusinessDate.nullable(),
    pledgee: z.object({ name: z.string() }).nullable(),
  })
  .openapi("PledgedRightLookup", {
    description:
      "What a register shows of a right: whether it is pledged, under which registration, to whom; never the amount",
  });

export const RightLookupParams = z.object({
  type: RightType.openapi({ param: { name: "type", in: "path" } }),
  number: z
    .string()
    .max(64, "must be at most 64 characters")
    .openapi({ param: { name: "number", in: "path" }, example: "ZL202110123456.7" }),
});

export const PLEDGE_DIMENSIONS = ["month", "quarter", "year", "rightType", "pledgee", "sizeBand"] as const;
export const PLEDGE_GRAINS = ["month", "quarter", "year"] as const;

export const PledgeStatisticsQuery = z
  .object({
    from: BusinessDate.optional().openapi({ description: "First day, inclusive (CST); default the earliest" }),
    to: BusinessDate.optional().openapi({ description: "Last day, inclusive (CST); default today" }),
    groupBy: nameList(PLEDGE_DIMENSIONS, "year,rightType"),
  })
  .superRefine((q: Record<string, unknown>, ctx) => {
    if (typeof q.from === "string" && typeof q.to === "string" && q.from > q.to) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
    }
    const grains = Array.isArray(q.groupBy) ? q.groupBy.filter((d) => PLEDGE_GRAINS.includes(d)) : [];
    if (grains.length > 1) {
      ctx.addIssue({ code: "custom", path: ["groupBy"], message: "names more than one of month, quarter and year" });
    }
  }, ALWAYS);

const PledgeFigures = z.object({
  count: z.number().int().openapi({ description: "Pledges registered, net of releases" }),
  securedAmount: MoneyOutput.openapi({ description: "Secured amount, net of changes and releases" }),
  pledgorCount: z.number().int().openapi({ description: "Distinct pledgors with a net registered pledge" }),
});

export const PledgeStatisticsRow = PledgeFigures.partial()
  .extend({
    ...Suppressible,
    month: z.string().optional(),
    quarter: z.string().optional(),
    year: z.string().optional(),
    rightType: z.string().optional().openapi({ description: "The rights' type, or mixed" }),
    pledgee: z.string().optional().openapi({ description: "The pledgee's organisation id" }),
    pledgeeName: z.string().optional(),
    sizeBand: z.enum(["small", "large"]).optional(),
  })
  .openapi("PledgeStatisticsRow");

export const PledgeStatistics = z
  .object({
    from: BusinessDate,
    to: BusinessDate,
    groupBy: z.array(z.enum(PLEDGE_DIMENSIONS)),
    rows: z.array(PledgeStatisticsRow),
    totals: PledgeFigures.partial().extend({
      ...Suppressible,
      smallShare: z.string().nullable().optional().openapi({
        example: "0.6250",
        description: "Small pledges / all pledges (net count), four decimals (truncated); null when none",
      }),
    }),
    note: z.string(),
  })
  .openapi("PledgeStatistics");

const PledgeParams = z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }) });
const tags = ["IP pledges"];

export const recordPledgeRoute = createRoute({
  operationId: "recordPledge",
  method: "post",
  path: "/v1/pledges",
  ...access({ public: "none", member: "all", operator: "none" }),
  tags,
  summary: "Submit a pledge of IP rights (the pledgor, or the pledgee bank)",
  security: bearerSecurity,
  request: { headers: IdempotencyHeaders, body: jsonBody(RecordPledgeBody) },
  responses: { 201: jsonResponse(Pledge, "Submitted"), ...problemResponses },
});

export const listPledgesRoute = createRoute({
  operationId: "listPledges",
  method: "get",
  path: "/v1/pledges",
  ...access({ public: "none", member: "all", operator: "all" }),
  tags,
  summary: "Pledges: operators see all, members those they are the pledgor or pledgee of",
  security: bearerSecurity,
  request: { query: ListPledgesQuery },
  responses: { 200: jsonResponse(listOf(Pledge), "A page of pledges, newest first"), ...problemResponses },
});

export const getPledgeRoute = createRoute({
  operationId: "getPledge",
  method: "get",
  path: "/v1/pledges/{id}",
  ...access({ public: "none", member: "own", operator: "all" }),
  tags,
  summary: "Read a pledge (its pledgor, its pledgee and operators)",
  security: bearerSecurity,
  request: { params: PledgeParams },
  responses: { 200: jsonResponse(Pledge, "The pledge"), ...problemResponses },
});

export const decidePledgeRoute = createRoute({
  operationId: "decidePledge",
  method: "post",
  path: "/v1/pledges/{id}/decisions",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags,
  summary: "Register or reject a pledge, or a requested change of a registered one (operators)",
  security: bearerSecurity,
  request: { params: PledgeParams, headers: IdempotencyHeaders, body: jsonBody(PledgeDecisionBody) },
  responses: { 200: jsonResponse(Pledge, "The pledge after the decision"), ...problemResponses },
});

export const changePledgeRoute = createRoute({
  operationId: "changePledge",
  method: "post",
  path: "/v1/pledges/{id}/changes",
  ...access({ public: "none", member: "own", operator: "none" }),
  tags,
  summary: "Request a change of amount or term of a registered pledge (the pledgee); an operator registers it",
  security: bearerSecurity,
  request: { params: PledgeParams, headers: IdempotencyHeaders, body: jsonBody(PledgeChangeBody) },
  responses: { 200: jsonResponse(Pledge, "The pledge with its pending change"), ...problemResponses },
});

export const releasePledgeRoute = createRoute({
  operationId: "releasePledge",
  method: "post",
  path: "/v1/pledges/{id}/release",
  ...access({ public: "none", member: "own", operator: "all" }),
  tags,
  summary: "Release a registered pledge (the pledgee or an operator): its rights are free again",
  security: bearerSecurity,
  request: { params: PledgeParams, headers: IdempotencyHeaders, body: jsonBody(ReasonBody) },
  responses: { 200: jsonResponse(Pledge, "Released"), ...problemResponses },
});

export const lookupRightRoute = createRoute({
  operationId: "lookupPledgedRight",
  method: "get",
  path: "/v1/pledges/rights/{type}/{number}",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags,
  summary: "Whether a right is pledged, as a patent office's register shows it (public; never the amount)",
  request: { params: RightLookupParams },
  responses: { 200: jsonResponse(RightLookup, "The right's pledge status"), ...problemResponses },
});

export const pledgeStatisticsRoute = createRoute({
  operationId: "pledgeStatistics",
  method: "get",
  path: "/v1/statistics/pledges",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Goals and statistics"],
  summary: "Pledge financing by period, right type, pledgee and size band (public); Accept: text/csv for CSV",
  request: { query: PledgeStatisticsQuery },
  responses: {
    200: {
      description: "Rows and totals; rows' counts and amounts sum exactly to the totals",
      content: {
        "application/json": { schema: PledgeStatistics },
        "text/csv": { schema: z.string().openapi({ description: "UTF-8 with byte-order mark, header row" }) },
      },
    },
    ...problemResponses,
    ...rateLimitedResponses,
  },
});
