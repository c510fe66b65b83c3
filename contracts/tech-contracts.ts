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
  problemResponses,
  RegionCode,
  text,
} from "./common.ts";
import { CreditCode } from "./organizations.ts";

export const CONTRACT_TYPES = ["development", "transfer", "license", "consulting", "service"] as const;

/** Sub-types by type (Civil Code, five types). Consulting has none. */
export const SUB_TYPES = {
  development: ["commissioned", "cooperative"],
  transfer: ["patent_right", "patent_application_right", "technical_secret", "other_ip"],
  license: ["patent_exclusive", "patent_sole", "patent_ordinary", "technical_secret", "other_ip"],
  consulting: [],
  service: ["technical_service", "training", "intermediary"],
} as const satisfies Record<(typeof CONTRACT_TYPES)[number], readonly string[]>;

export const PARTY_KINDS = [
  "government_agency",
  "research_institute",
  "university",
  "medical_institution",
  "other_institution",
  "social_organization",
  "enterprise",
  "hmt_enterprise",
  "foreign_enterprise",
  "individual",
] as const;

export const TECH_FIELDS = [
  "electronic_information",
  "advanced_manufacturing",
  "aerospace",
  "modern_transportation",
  "biomedicine",
  "new_materials",
  "new_energy",
  "environmental_protection",
  "nuclear_applications",
  "agriculture",
  "urban_development",
] as const;

export const IP_TYPES = [
  "patent",
  "technical_secret",
  "software_copyright",
  "ic_layout",
  "plant_variety",
  "biomedical_variety",
  "none",
] as const;

export const FLOWS = ["within_city", "within_province", "out_of_province", "abroad"] as const;

export const CONTRACT_STATUSES = [
  "submitted",
  "correction_requested",
  "registered",
  "rejected",
  "cancelled",
  "revoked",
] as const;

/** Per-contract cap: 10^12 yuan. */
export const MAX_CONTRACT_YUAN = 1_000_000_000_000;
/** A contract whose larger amount is at or above this needs two operators' approval. */
export const LARGE_CONTRACT_YUAN = 5_000_000;

const ALL_SUB_TYPES = [...new Set(Object.values(SUB_TYPES).flat())] as [string, ...string[]];

/** Cross-field checks run even when a field already failed, so every bad field is named at once. */
export const ALWAYS = {
  when: (payload: { value: unknown }) => typeof payload.value === "object" && payload.value !== null,
};

const PARTY_DETAILS = ["name", "creditCode", "kind", "regionCode"] as const;

export const PartyInput = z
  .object({
    organizationId: Id.optional(),
    name: text(200).optional(),
    creditCode: CreditCode.optional(),
    kind: z.enum(PARTY_KINDS).optional(),
    regionCode: RegionCode.optional(),
  })
  .strict()
  .superRefine((party: Record<string, unknown>, ctx) => {
    const given = PARTY_DETAILS.filter((field) => party[field] !== undefined);
    if (party.organizationId !== undefined) {
      for (const field of given) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: "give either organizationId or the party's details, not both",
        });
      }
      return;
    }
    for (const field of PARTY_DETAILS) {
      if (party[field] === undefined) {
        ctx.addIssue({ code: "custom", path: [field], message: "is required when organizationId is not given" });
      }
    }
  }, ALWAYS)
  .openapi("PartyInput", {
    description: "A member organisation by id, or an outside party given inline",
    example: { organizationId: "org_01J8Z3K5Q7W9X1Y3Z5A7B9C1D3" },
  });

const contractFields = {
  title: text(300),
  contractNumber: text(64),
  type: z.enum(CONTRACT_TYPES),
  subType: z.enum(ALL_SUB_TYPES).nullable().optional(),
  equityContribution: z.boolean().optional(),
  seller: PartyInput,
  buyer: PartyInput,
  signedOn: BusinessDate,
  validFrom: BusinessDate,
  validTo: BusinessDate,
  totalAmount: MoneyInput,
  technologyAmount: MoneyInput,
  techField: z.enum(TECH_FIELDS),
  ipType: z.enum(IP_TYPES),
  achievementIds: z.array(Id).max(50, "at most 50 achievements").optional(),
};

/** Yuan string to fen without floats, or null if it is not a valid amount. */
function fenOf(value: unknown): number | null {
  if (typeof value !== "string" || !MoneyInput.safeParse(value).success) return null;
  const [whole = "0", decimals = ""] = value.split(".");
  return Number(whole) * 100 + Number(decimals.padEnd(2, "0"));
}

const dateOf = (value: unknown) => (typeof value === "string" && BusinessDate.safeParse(value).success ? value : null);
const stringOf = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);

/**
 * Rules across fields; each issue points at the field a person would correct. The input may be
 * partly invalid (these run even when fields failed), so every value is checked before use.
 */
export function checkContractRules(c: Record<string, unknown>, ctx: z.RefinementCtx) {
  const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const type = CONTRACT_TYPES.find((t) => t === c.type);
  if (type) {
    const allowed: readonly string[] = SUB_TYPES[type];
    if (allowed.length === 0) {
      if (c.subType != null) issue(["subType"], `${type} contracts have no sub-type`);
    } else if (c.subType == null) {
      issue(["subType"], `is required for ${type} contracts: one of ${allowed.join(", ")}`);
    } else if (typeof c.subType === "string" && !allowed.includes(c.subType)) {
      issue(["subType"], `is not a ${type} sub-type: use one of ${allowed.join(", ")}`);
    }
    if (c.equityContribution === true && type !== "transfer") {
      issue(["equityContribution"], "only a transfer contract can be a contribution of technology as equity");
    }
  }
  const total = fenOf(c.totalAmount);
  const technology = fenOf(c.technologyAmount);
  if (total !== null) {
    if (total === 0) issue(["totalAmount"], "must be more than zero");
    if (total > MAX_CONTRACT_YUAN * 100) issue(["totalAmount"], `must be at most ${MAX_CONTRACT_YUAN} yuan`);
    if (technology !== null && technology > total) {
      issue(
        ["technologyAmount"],
        "must not exceed totalAmount (it excludes equipment, instruments, parts and materials)",
      );
    }
  }
  const [signedOn, validFrom, validTo] = [dateOf(c.signedOn), dateOf(c.validFrom), dateOf(c.validTo)];
  if (validFrom && validTo && validFrom > validTo) issue(["validTo"], "must not be before validFrom");
  if (signedOn && validTo && signedOn > validTo) issue(["validTo"], "must not be before signedOn");
  const seller = (c.seller ?? {}) as Record<string, unknown>;
  const buyer = (c.buyer ?? {}) as Record<string, unknown>;
  const sameOrganization = stringOf(seller.organizationId) && seller.organizationId === buyer.organizationId;
  const sameCode = stringOf(seller.creditCode) && seller.creditCode === buyer.creditCode;
  if (sameOrganization || sameCode) issue(["buyer"], "must be a different party from the seller");
}

export const RecordContractBody = z
  .object(contractFields)
  .strict()
  .superRefine(checkContractRules, ALWAYS)
  .openapi("RecordTechContract");

/** A correction: any of the recording fields; the merged contract is validated whole. */
export const CorrectContractBody = z
  .object(
    Object.fromEntries(Object.entries(contractFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof contractFields]: z.ZodOptional<(typeof contractFields)[K]>;
    },
  )
  .strict()
  .openapi("CorrectTechContract");

export const Party = z
  .object({
    organizationId: z.string().nullable(),
    name: z.string(),
    creditCode: z.string(),
    kind: z.enum(PARTY_KINDS),
    regionCode: z.string(),
  })
  .openapi("Party");

const Approval = z.object({ keyId: z.string(), holder: z.string(), at: Instant });

export const TechContract = z
  .object({
    id: Id,
    status: z.enum(CONTRACT_STATUSES),
    title: z.string(),
    contractNumber: z.string(),
    type: z.enum(CONTRACT_TYPES),
    subType: z.string().nullable(),
    equityContribution: z.boolean(),
    seller: Party,
    buyer: Party,
    signedOn: BusinessDate,
    validFrom: BusinessDate,
    validTo: BusinessDate,
    totalAmount: MoneyOutput,
    technologyAmount: MoneyOutput,
    techField: z.enum(TECH_FIELDS),
    ipType: z.enum(IP_TYPES),
    achievementIds: z.array(z.string()),
    flow: z.enum(FLOWS),
    large: z
      .boolean()
      .openapi({ description: "technologyAmount >= 5,000,000.00 yuan: two operators must register it" }),
    submittedAt: Instant,
    submittedBy: z.object({ organizationId: z.string(), keyId: z.string(), holder: z.string() }),
    reviewDueOn: BusinessDate.nullable().openapi({
      description:
        "15 working days after (re)submission, 30 if large, on China's official calendar (public holidays skipped, make-up working days counted)",
    }),
    overdue: z.boolean(),
    approvals: z.array(Approval),
    decisionReason: z.string().nullable(),
    registrationNumber: z.string().nullable(),
    registeredOn: BusinessDate.nullable(),
    endedOn: BusinessDate.nullable().openapi({
      description: "Date of cancellation or revocation (its reversing entry)",
    }),
    endReason: z.string().nullable(),
    revision: z.number().int(),
    updatedAt: Instant,
  })
  .openapi("TechContract");

const ContractParams = z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }) });
const Reason = text(2000);

export const DecisionBody = z
  .object({
    decision: z.enum(["register", "reject", "request_correction"]),
    reason: Reason.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if ((d.decision === "reject" || d.decision === "request_correction") && d.reason === undefined) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: `is required to ${d.decision.replace("_", " ")}` });
    }
  }, ALWAYS)
  .openapi("TechContractDecision");

export const ReasonBody = z.object({ reason: Reason }).strict().openapi("Reason");

export const ListContractsQuery = ListQuery.extend({
  status: z.enum(CONTRACT_STATUSES).optional(),
  type: z.enum(CONTRACT_TYPES).optional(),
  registeredFrom: BusinessDate.optional(),
  registeredTo: BusinessDate.optional(),
  party: Id.optional().openapi({ description: "Organisation id of the seller or the buyer" }),
  overdue: z.enum(["true", "false"]).optional().openapi({ description: "Only contracts past their review deadline" }),
}).superRefine((q: Record<string, unknown>, ctx) => {
  if (typeof q.registeredFrom === "string" && typeof q.registeredTo === "string" && q.registeredFrom > q.registeredTo) {
    ctx.addIssue({ code: "custom", path: ["registeredFrom"], message: "must not be after registeredTo" });
  }
}, ALWAYS);

export const recordContractRoute = createRoute({
  operationId: "recordContract",
  method: "post",
  path: "/v1/contracts",
  ...access({ public: "none", member: "all", operator: "none" }),
  tags: ["Technology contracts"],
  summary: "Record a technology contract (a member that is its seller or buyer)",
  security: bearerSecurity,
  request: { headers: IdempotencyHeaders, body: jsonBody(RecordContractBody) },
  responses: { 201: jsonResponse(TechContract, "Recorded, status submitted"), ...problemResponses },
});

export const getContractRoute = createRoute({
  operationId: "getContract",
  method: "get",
  path: "/v1/contracts/{id}",
  ...access({ public: "none", member: "own", operator: "all" }),
  tags: ["Technology contracts"],
  summary: "Read a contract (operators, or a party to it)",
  security: bearerSecurity,
  request: { params: ContractParams },
  responses: { 200: jsonResponse(TechContract, "The contract"), ...problemResponses },
});

export const ReviewCalendar = z
  .object({
    name: z.string().openapi({ example: "chinese-days 1.5.7" }),
    years: z.array(
      z.object({
        year: z.number().int(),
        source: z.enum(["official", "configured", "weekdays"]).openapi({
          description:
            "official: the State Council's holidays and make-up days as shipped; configured: LEDGER_WORKING_DAYS; weekdays: no data for the year, Monday to Friday counted",
        }),
      }),
    ),
  })
  .openapi("ReviewCalendar", {
    description: "The working-day calendar that counted the review deadlines of the page, year by year",
  });

export const ContractList = listOf(TechContract).extend({ reviewCalendar: ReviewCalendar }).openapi("ContractList");

export const listContractsRoute = createRoute({
  operationId: "listContracts",
  method: "get",
  path: "/v1/contracts",
  ...access({ public: "none", member: "all", operator: "all" }),
  tags: ["Technology contracts"],
  summary: "List contracts (operators: all; members: those they are party to)",
  security: bearerSecurity,
  request: { query: ListContractsQuery },
  responses: { 200: jsonResponse(ContractList, "A page of contracts"), ...problemResponses },
});

export const decideContractRoute = createRoute({
  operationId: "decideContract",
  method: "post",
  path: "/v1/contracts/{id}/decisions",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Technology contracts"],
  summary: "Register, reject or request correction (operators)",
  security: bearerSecurity,
  request: { params: ContractParams, headers: IdempotencyHeaders, body: jsonBody(DecisionBody) },
  responses: { 200: jsonResponse(TechContract, "The contract after the decision"), ...problemResponses },
});

export const correctContractRoute = createRoute({
  operationId: "correctContract",
  method: "patch",
  path: "/v1/contracts/{id}",
  ...access({ public: "none", member: "own", operator: "none" }),
  tags: ["Technology contracts"],
  summary: "Correct and resubmit (the submitter, while a correction is requested)",
  security: bearerSecurity,
  request: { params: ContractParams, body: jsonBody(CorrectContractBody) },
  responses: { 200: jsonResponse(TechContract, "Resubmitted"), ...problemResponses },
});

export const cancelContractRoute = createRoute({
  operationId: "cancelContract",
  method: "post",
  path: "/v1/contracts/{id}/cancellation",
  ...access({ public: "none", member: "own", operator: "all" }),
  tags: ["Technology contracts"],
  summary: "Cancel a registered contract (a party, e.g. rescinded; or an operator)",
  security: bearerSecurity,
  request: { params: ContractParams, headers: IdempotencyHeaders, body: jsonBody(ReasonBody) },
  responses: { 200: jsonResponse(TechContract, "Cancelled; a reversing entry is dated today"), ...problemResponses },
});

export const revokeContractRoute = createRoute({
  operationId: "revokeContract",
  method: "post",
  path: "/v1/contracts/{id}/revocation",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Technology contracts"],
  summary: "Revoke a registration: fraud, void contract, duplicate (operators)",
  security: bearerSecurity,
  request: { params: ContractParams, headers: IdempotencyHeaders, body: jsonBody(ReasonBody) },
  responses: { 200: jsonResponse(TechContract, "Revoked; a reversing entry is dated today"), ...problemResponses },
});
