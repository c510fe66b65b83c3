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
  MoneyInput,
  MoneyOutput,
  nameList,
  problemResponses,
  rateLimitedResponses,
  text,
} from "./common.ts";

export const GOAL_AMOUNTS = ["total", "technology"] as const;
export const PERIOD_DIMENSIONS = ["month", "quarter", "year"] as const;
export const CATEGORY_DIMENSIONS = [
  "type",
  "techField",
  "sellerKind",
  "buyerKind",
  "ipType",
  "sellerRegion",
  "flow",
] as const;
export const DIMENSIONS = [...PERIOD_DIMENSIONS, ...CATEGORY_DIMENSIONS] as const;

export const Goal = z
  .object({
    id: Id,
    name: z.string(),
    targetAmount: MoneyOutput,
    startsOn: BusinessDate,
    endsOn: BusinessDate,
    amount: z
      .enum(GOAL_AMOUNTS)
      .openapi({ description: "Which amount the goal counts: contract value or technology amount" }),
    source: z.enum(["configuration", "operator"]),
    createdAt: Instant.nullable(),
  })
  .openapi("Goal");

export const CreateGoalBody = z
  .object({
    name: text(200),
    targetAmount: MoneyInput,
    startsOn: BusinessDate,
    endsOn: BusinessDate,
    amount: z.enum(GOAL_AMOUNTS).default("total"),
  })
  .strict()
  .superRefine(
    (g: Record<string, unknown>, ctx) => {
      if (typeof g.startsOn === "string" && typeof g.endsOn === "string" && g.startsOn > g.endsOn) {
        ctx.addIssue({ code: "custom", path: ["endsOn"], message: "must not be before startsOn" });
      }
      if (g.targetAmount === "0" || g.targetAmount === "0.0" || g.targetAmount === "0.00") {
        ctx.addIssue({ code: "custom", path: ["targetAmount"], message: "must be more than zero" });
      }
    },
    { when: (p) => typeof p.value === "object" && p.value !== null },
  )
  .openapi("CreateGoal");

export const Progress = z
  .object({
    goal: Goal,
    asOf: BusinessDate.openapi({ description: "Today in China Standard Time" }),
    cumulativeAmount: MoneyOutput,
    contractCount: z.number().int().openapi({ description: "Registered contracts net of reversals" }),
    percent: z.string().openapi({ example: "63.25", description: "Share of the target, two decimals, rounded down" }),
    remainingAmount: MoneyOutput,
    runRatePerMonth: MoneyOutput.openapi({ description: "Average of the last 12 complete months" }),
    projectedReachOn: BusinessDate.nullable(),
    reachedOn: BusinessDate.nullable(),
  })
  .openapi("Progress");

const dimensionList = nameList(DIMENSIONS, "year,type");

export const BreakdownQuery = z
  .object({
    from: BusinessDate.optional().openapi({
      description: "First day, inclusive (CST); default the seeded goal's start",
    }),
    to: BusinessDate.optional().openapi({ description: "Last day, inclusive (CST); default today" }),
    groupBy: dimensionList,
    amount: z.enum(GOAL_AMOUNTS).default("total"),
  })
  .superRefine(
    (q: Record<string, unknown>, ctx) => {
      if (typeof q.from === "string" && typeof q.to === "string" && q.from > q.to) {
        ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
      }
    },
    { when: (p) => typeof p.value === "object" && p.value !== null },
  );

const Figures = z.object({
  count: z.number().int(),
  totalAmount: MoneyOutput,
  technologyAmount: MoneyOutput,
});

/**
 * Figures that disclosure control may withhold from the public: then `suppressed: true` stands in
 * place of the count and the amounts (../shared/api.md, "Disclosure control").
 */
const suppressedNote = {
  description:
    "Withheld from the public (disclosure control): fewer than 3 contracts, one contract over 80% of the amount, or a complement of such a cell. Operators see every cell.",
};
export const Suppressible = {
  suppressed: z.literal(true).optional().openapi(suppressedNote),
};
const SuppressibleFigures = Figures.partial().extend(Suppressible);

export const BreakdownRow = SuppressibleFigures.extend({
  month: z.string().optional(),
  quarter: z.string().optional(),
  year: z.string().optional(),
  type: z.string().optional(),
  techField: z.string().optional(),
  sellerKind: z.string().optional(),
  buyerKind: z.string().optional(),
  ipType: z.string().optional(),
  sellerRegion: z.string().optional(),
  flow: z.string().optional(),
  previousYear: SuppressibleFigures.optional().openapi({
    description: "The same period a year earlier (period groupings only)",
  }),
  changePercent: z.string().nullable().optional().openapi({
    description:
      "Change of the chosen amount against a year earlier in percent, two decimals (truncated); null if that was zero or negative",
  }),
}).openapi("BreakdownRow");

export const Breakdown = z
  .object({
    from: BusinessDate,
    to: BusinessDate,
    groupBy: z.array(z.enum(DIMENSIONS)),
    amount: z.enum(GOAL_AMOUNTS),
    rows: z.array(BreakdownRow),
    totals: SuppressibleFigures,
  })
  .openapi("ContractBreakdown");

export const listGoalsRoute = createRoute({
  operationId: "listGoals",
  method: "get",
  path: "/v1/goals",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Goals and statistics"],
  summary: "Goals: the market's configured plan goal and those operators added",
  responses: { 200: jsonResponse(z.object({ items: z.array(Goal) }), "All goals") },
});

export const createGoalRoute = createRoute({
  operationId: "createGoal",
  method: "post",
  path: "/v1/goals",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Goals and statistics"],
  summary: "Add a goal (operators)",
  security: bearerSecurity,
  request: { headers: IdempotencyHeaders, body: jsonBody(CreateGoalBody) },
  responses: { 201: jsonResponse(Goal, "Created"), ...problemResponses },
});

export const progressRoute = createRoute({
  operationId: "getProgress",
  method: "get",
  path: "/v1/statistics/progress",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Goals and statistics"],
  summary: "Progress toward a goal (public); without goalId, the market's plan goal",
  request: { query: z.object({ goalId: Id.optional() }) },
  responses: { 200: jsonResponse(Progress, "Progress"), ...problemResponses, ...rateLimitedResponses },
});

export const breakdownRoute = createRoute({
  operationId: "contractStatistics",
  method: "get",
  path: "/v1/statistics/contracts",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Goals and statistics"],
  summary: "Registered volume by period and dimension (public); Accept: text/csv for CSV",
  request: { query: BreakdownQuery },
  responses: {
    200: {
      description: "Rows (net of reversals) and totals; rows sum exactly to the totals",
      content: {
        "application/json": { schema: Breakdown },
        "text/csv": {
          schema: z.string().openapi({ description: "UTF-8 with byte-order mark, header row, yuan amounts" }),
        },
      },
    },
    ...problemResponses,
    ...rateLimitedResponses,
  },
});
