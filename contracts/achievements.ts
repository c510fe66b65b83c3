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
import { ipNumberProblem, normalizeIpNumber } from "./ip-numbers.ts";
import { Suppressible } from "./statistics.ts";
import { ALWAYS, IP_TYPES, Party, PartyInput, ReasonBody, TECH_FIELDS } from "./tech-contracts.ts";

export const ACHIEVEMENT_KINDS = ["applied_technology", "basic_theory", "soft_science"] as const;
export const ACHIEVEMENT_STAGES = ["early", "middle", "mature"] as const;
export const EVALUATIONS = [
  "international_leading",
  "international_advanced",
  "domestic_leading",
  "domestic_advanced",
  "not_evaluated",
] as const;
export const TRANSFER_MODES = ["transfer", "license", "equity", "cooperation"] as const;
export const ACHIEVEMENT_STATUSES = [
  "submitted",
  "correction_requested",
  "registered",
  "rejected",
  "withdrawn",
] as const;
/** The member kinds that register achievements. */
export const ACHIEVEMENT_SUBMITTER_KINDS = [
  "university",
  "research_institute",
  "enterprise",
  "medical_institution",
] as const;
export const ACHIEVEMENT_IP_TYPES = IP_TYPES.filter((t) => t !== "none") as Exclude<
  (typeof IP_TYPES)[number],
  "none"
>[];

export const CATALOGUE_NOTICE =
  "Registration of a technology achievement is a formal review of the submitted documents only; it is not proof of ownership of the achievement or of any right in it.";

const YearMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month YYYY-MM")
  .refine((v) => v >= "1949-10" && v <= "2099-12", "must be between 1949-10 and 2099-12")
  .openapi({ example: "2021-03" });

/** Characters, not UTF-16 units: a character outside the BMP counts once. */
const characters = (max: number) =>
  text(100_000).refine((v) => [...v].length <= max, `must be at most ${max.toLocaleString("en")} characters`);

const IpRight = z
  .object({ type: z.enum(ACHIEVEMENT_IP_TYPES as [string, ...string[]]), number: text(64) })
  .strict()
  .superRefine((r, ctx) => {
    // Runs even when the fields failed their own schemas (ALWAYS), so it checks their types first.
    if (typeof r.type !== "string" || typeof r.number !== "string") return;
    const problem = ipNumberProblem(r.type, r.number);
    if (problem) ctx.addIssue({ code: "custom", path: ["number"], message: problem });
  }, ALWAYS);

const Completer = z.object({ name: text(100), organizationIndex: z.number().int().min(0) }).strict();

const achievementFields = {
  title: text(300),
  kind: z.enum(ACHIEVEMENT_KINDS),
  completingOrganizations: z.array(PartyInput).min(1, "name at least one completing organisation").max(20),
  completers: z.array(Completer).min(1, "name at least one completer").max(100),
  researchStartedIn: YearMonth,
  researchEndedIn: YearMonth,
  techField: z.enum(TECH_FIELDS),
  stage: z.enum(ACHIEVEMENT_STAGES),
  evaluation: z.enum(EVALUATIONS),
  keywords: z.array(text(40)).min(1, "give 1 to 3 keywords").max(3, "give 1 to 3 keywords"),
  abstract: characters(2000),
  ipRights: z.array(IpRight).max(50),
  transferModes: z.array(z.enum(TRANSFER_MODES)).min(1, "offer at least one transfer mode").max(4),
  askingPrice: MoneyInput.optional(),
};

/** Rules across fields; they run even where a field failed, so every bad field is named at once. */
export function checkAchievementRules(a: Record<string, unknown>, ctx: z.RefinementCtx) {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const organizations = Array.isArray(a.completingOrganizations) ? a.completingOrganizations.length : null;
  if (organizations !== null && Array.isArray(a.completers)) {
    a.completers.forEach((c: unknown, i) => {
      const index = (c as { organizationIndex?: unknown } | null)?.organizationIndex;
      if (typeof index === "number" && index >= organizations) {
        issue(
          ["completers", i, "organizationIndex"],
          `must name one of the ${organizations} completing organisations (0 to ${organizations - 1})`,
        );
      }
    });
  }
  const start = typeof a.researchStartedIn === "string" ? a.researchStartedIn : null;
  const end = typeof a.researchEndedIn === "string" ? a.researchEndedIn : null;
  if (start && end && start > end) issue(["researchEndedIn"], "must not be before researchStartedIn");
  const duplicates = (field: string, key: (v: unknown) => string) => {
    const list = a[field];
    if (!Array.isArray(list)) return;
    const seen = new Set<string>();
    list.forEach((v, i) => {
      const k = key(v);
      if (seen.has(k)) issue([field, i], "is given twice");
      seen.add(k);
    });
  };
  duplicates("keywords", (v) => String(v).normalize("NFKC").toLowerCase());
  duplicates("transferModes", String);
  duplicates("ipRights", (v) => {
    const r = (v ?? {}) as { type?: unknown; number?: unknown };
    return `${String(r.type)} ${normalizeIpNumber(String(r.type), String(r.number))}`;
  });
  duplicates("completingOrganizations", (v) => {
    const p = (v ?? {}) as Record<string, unknown>;
    return String(p.organizationId ?? p.creditCode ?? Math.random());
  });
  if (a.askingPrice === "0" || a.askingPrice === "0.0" || a.askingPrice === "0.00") {
    issue(["askingPrice"], "must be more than zero, or left out");
  }
}

export const RecordAchievementBody = z
  .object(achievementFields)
  .strict()
  .superRefine(checkAchievementRules, ALWAYS)
  .openapi("RecordAchievement", {
    example: {
      title: "青稞β-葡聚糖高效提取技术",
      kind: "applied_technology",
      completingOrganizations: [{ organizationId: "org_01J8Z3K5Q7W9X1Y3Z5A7B9C1D3" }],
      completers: [{ name: "扎西", organizationIndex: 0 }],
      researchStartedIn: "2021-03",
      researchEndedIn: "2024-06",
      techField: "agriculture",
      stage: "mature",
      evaluation: "domestic_leading",
      keywords: ["青稞", "葡聚糖"],
      abstract: "以西藏青稞为原料，建立β-葡聚糖高效提取与纯化工艺。",
      ipRights: [{ type: "patent", number: "ZL202110123456.7" }],
      transferModes: ["license", "cooperation"],
      askingPrice: "800000",
    },
  });

/** A correction: any of the recording fields; the merged achievement is validated whole. */
export const CorrectAchievementBody = z
  .object(
    Object.fromEntries(Object.entries(achievementFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof achievementFields]: z.ZodOptional<(typeof achievementFields)[K]>;
    },
  )
  .strict()
  .openapi("CorrectAchievement");

export const AchievementDecisionBody = z
  .object({ decision: z.enum(["register", "reject", "request_correction"]), reason: text(2000).optional() })
  .strict()
  .superRefine((d, ctx) => {
    if ((d.decision === "reject" || d.decision === "request_correction") && d.reason === undefined) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: `is required to ${d.decision.replace("_", " ")}` });
    }
  }, ALWAYS)
  .openapi("AchievementDecision");

const Conversion = z
  .object({
    contractCount: z.number().int().openapi({ description: "Registered contracts that name the achievement" }),
    contractIds: z.array(Id).optional().openapi({ description: "Completing organisations and operators only" }),
    totalAmount: MoneyOutput.optional().openapi({ description: "Completing organisations and operators only" }),
    technologyAmount: MoneyOutput.optional().openapi({ description: "Completing organisations and operators only" }),
  })
  .openapi("AchievementConversion");

export const Achievement = z
  .object({
    id: Id,
    status: z.enum(ACHIEVEMENT_STATUSES),
    title: z.string(),
    kind: z.enum(ACHIEVEMENT_KINDS),
    completingOrganizations: z.array(Party),
    completers: z.array(z.object({ name: z.string(), organizationIndex: z.number().int() })),
    researchStartedIn: z.string(),
    researchEndedIn: z.string(),
    techField: z.enum(TECH_FIELDS),
    stage: z.enum(ACHIEVEMENT_STAGES),
    evaluation: z.enum(EVALUATIONS),
    keywords: z.array(z.string()),
    abstract: z.string(),
    ipRights: z.array(z.object({ type: z.string(), number: z.string() })),
    transferModes: z.array(z.enum(TRANSFER_MODES)),
    askingPrice: MoneyOutput.nullable(),
    registrationNumber: z.string().nullable(),
    registeredOn: BusinessDate.nullable(),
    conversion: Conversion,
    submittedAt: Instant.optional().openapi({ description: "The submitting organisation and operators only" }),
    submittedBy: z
      .object({ organizationId: Id, keyId: z.string(), holder: z.string() })
      .optional()
      .openapi({ description: "The submitting organisation and operators only" }),
    decisionReason: z.string().nullable().optional(),
    withdrawnOn: BusinessDate.nullable(),
    withdrawalReason: z.string().nullable().optional(),
    revision: z.number().int(),
    updatedAt: Instant,
  })
  .openapi("Achievement");

export const CatalogueQuery = ListQuery.extend({
  q: z.string().max(200, "must be at most 200 characters").optional().openapi({
    description: "Any run of two or more Chinese characters, or English words; all must match. Ranked by relevance.",
  }),
  techField: z.enum(TECH_FIELDS).optional(),
  stage: z.enum(ACHIEVEMENT_STAGES).optional(),
  kind: z.enum(ACHIEVEMENT_KINDS).optional(),
  transferMode: z.enum(TRANSFER_MODES).optional(),
});

export const Catalogue = listOf(Achievement).extend({ notice: z.string() }).openapi("AchievementCatalogue");

export const ACHIEVEMENT_DIMENSIONS = ["year", "kind", "techField", "stage", "organizationKind"] as const;

export const AchievementStatisticsQuery = z
  .object({
    from: BusinessDate.optional().openapi({
      description: "First registration day, inclusive (CST); default the earliest",
    }),
    to: BusinessDate.optional().openapi({ description: "Last registration day, inclusive (CST); default today" }),
    groupBy: nameList(ACHIEVEMENT_DIMENSIONS, "year,kind"),
  })
  .superRefine((q: Record<string, unknown>, ctx) => {
    if (typeof q.from === "string" && typeof q.to === "string" && q.from > q.to) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
    }
  }, ALWAYS);

const AchievementFigures = z.object({
  registered: z.number().int(),
  converted: z.number().int(),
  conversionRate: z.string().nullable().openapi({
    example: "0.2500",
    description: "converted / registered, four decimals (truncated); null when none registered",
  }),
});

export const AchievementStatisticsRow = AchievementFigures.partial()
  .extend({
    ...Suppressible,
    year: z.string().optional(),
    kind: z.string().optional(),
    techField: z.string().optional(),
    stage: z.string().optional(),
    organizationKind: z.string().optional(),
  })
  .openapi("AchievementStatisticsRow");

export const AchievementStatistics = z
  .object({
    from: BusinessDate,
    to: BusinessDate,
    groupBy: z.array(z.enum(ACHIEVEMENT_DIMENSIONS)),
    rows: z.array(AchievementStatisticsRow),
    totals: AchievementFigures.partial().extend(Suppressible),
    note: z.string(),
  })
  .openapi("AchievementStatistics");

const AchievementParams = z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }) });
const tags = ["Technology achievements"];

export const recordAchievementRoute = createRoute({
  operationId: "recordAchievement",
  method: "post",
  path: "/v1/achievements",
  ...access({ public: "none", member: "all", operator: "none" }),
  tags,
  summary:
    "Submit an achievement for registration (a university, institute, enterprise or hospital among its completing organisations)",
  security: bearerSecurity,
  request: { headers: IdempotencyHeaders, body: jsonBody(RecordAchievementBody) },
  responses: { 201: jsonResponse(Achievement, "Submitted"), ...problemResponses },
});

export const catalogueRoute = createRoute({
  operationId: "searchCatalogue",
  method: "get",
  path: "/v1/achievements",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags,
  summary: "The public catalogue of registered achievements, searchable",
  request: { query: CatalogueQuery },
  responses: { 200: jsonResponse(Catalogue, "A page of registered achievements"), ...problemResponses },
});

export const getAchievementRoute = createRoute({
  operationId: "getAchievement",
  method: "get",
  path: "/v1/achievements/{id}",
  ...access({ public: "own", member: "own", operator: "all" }),
  tags,
  summary: "Read an achievement: registered ones to anyone, others to the submitter and operators",
  request: { params: AchievementParams },
  responses: { 200: jsonResponse(Achievement, "The achievement"), ...problemResponses },
});

export const decideAchievementRoute = createRoute({
  operationId: "decideAchievement",
  method: "post",
  path: "/v1/achievements/{id}/decisions",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags,
  summary: "Register, reject or request correction (operators)",
  security: bearerSecurity,
  request: { params: AchievementParams, headers: IdempotencyHeaders, body: jsonBody(AchievementDecisionBody) },
  responses: { 200: jsonResponse(Achievement, "The achievement after the decision"), ...problemResponses },
});

export const correctAchievementRoute = createRoute({
  operationId: "correctAchievement",
  method: "patch",
  path: "/v1/achievements/{id}",
  ...access({ public: "none", member: "own", operator: "none" }),
  tags,
  summary: "Correct and resubmit (the submitting organisation, while a correction is requested)",
  security: bearerSecurity,
  request: { params: AchievementParams, body: jsonBody(CorrectAchievementBody) },
  responses: { 200: jsonResponse(Achievement, "Resubmitted"), ...problemResponses },
});

export const withdrawAchievementRoute = createRoute({
  operationId: "withdrawAchievement",
  method: "post",
  path: "/v1/achievements/{id}/withdrawal",
  ...access({ public: "none", member: "own", operator: "all" }),
  tags,
  summary: "Withdraw an achievement (the submitting organisation or an operator); contracts naming it keep it",
  security: bearerSecurity,
  request: { params: AchievementParams, headers: IdempotencyHeaders, body: jsonBody(ReasonBody) },
  responses: { 200: jsonResponse(Achievement, "Withdrawn"), ...problemResponses },
});

export const achievementStatisticsRoute = createRoute({
  operationId: "achievementStatistics",
  method: "get",
  path: "/v1/statistics/achievements",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Goals and statistics"],
  summary:
    "Registered and converted achievements by registration period and dimension (public); Accept: text/csv for CSV",
  request: { query: AchievementStatisticsQuery },
  responses: {
    200: {
      description: "Rows and totals; rows sum exactly to the totals",
      content: {
        "application/json": { schema: AchievementStatistics },
        "text/csv": { schema: z.string().openapi({ description: "UTF-8 with byte-order mark, header row" }) },
      },
    },
    ...problemResponses,
    ...rateLimitedResponses,
  },
});
