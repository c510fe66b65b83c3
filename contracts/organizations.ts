import { createRoute, z } from "@hono/zod-openapi";
import {
  access,
  bearerSecurity,
  Id,
  IdempotencyHeaders,
  Instant,
  jsonBody,
  jsonResponse,
  problemResponses,
  RegionCode,
  text,
} from "./common.ts";
import { creditCodeMessages, creditCodeProblem } from "./credit-code.ts";

export const ORGANIZATION_KINDS = [
  "university",
  "research_institute",
  "enterprise",
  "medical_institution",
  "bank",
  "other",
] as const;
export const OrganizationKind = z.enum(ORGANIZATION_KINDS);

export const CreditCode = z
  .string()
  .superRefine((value, ctx) => {
    const problem = creditCodeProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: creditCodeMessages[problem] });
  })
  .openapi({ example: "91540100MA6T1XKX3J", description: "Unified social credit code, GB 32100-2015" });

export const CreateOrganizationBody = z
  .object({
    name: text(200),
    kind: OrganizationKind,
    creditCode: CreditCode,
    regionCode: RegionCode,
  })
  .strict()
  .openapi("CreateOrganization");

export const Organization = z
  .object({
    id: Id,
    name: z.string(),
    kind: OrganizationKind,
    role: z.enum(["operator", "member"]),
    creditCode: z.string().nullable(),
    regionCode: z.string(),
    createdAt: Instant,
  })
  .openapi("Organization");

export const CreateApiKeyBody = z
  .object({
    holder: text(200),
  })
  .strict()
  .openapi("CreateApiKey");

export const CreatedApiKey = z
  .object({
    id: Id,
    organizationId: Id,
    holder: z.string(),
    createdAt: Instant,
    apiKey: z
      .string()
      .nullable()
      .openapi({ description: "The secret, shown once. A replay of the same Idempotency-Key returns null here." }),
  })
  .openapi("CreatedApiKey");

const OrgParams = z.object({ id: Id.openapi({ param: { name: "id", in: "path" } }) });
const KeyParams = OrgParams.extend({ keyId: Id.openapi({ param: { name: "keyId", in: "path" } }) });

export const createOrganizationRoute = createRoute({
  operationId: "createOrganization",
  method: "post",
  path: "/v1/organizations",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Organizations"],
  summary: "Register a member organisation (operators)",
  security: bearerSecurity,
  request: { headers: IdempotencyHeaders, body: jsonBody(CreateOrganizationBody) },
  responses: { 201: jsonResponse(Organization, "Created"), ...problemResponses },
});

export const getOrganizationRoute = createRoute({
  operationId: "getOrganization",
  method: "get",
  path: "/v1/organizations/{id}",
  ...access({ public: "none", member: "own", operator: "all" }),
  tags: ["Organizations"],
  summary: "Read an organisation (operators, or its own members)",
  security: bearerSecurity,
  request: { params: OrgParams },
  responses: { 200: jsonResponse(Organization, "The organisation"), ...problemResponses },
});

export const createApiKeyRoute = createRoute({
  operationId: "createApiKey",
  method: "post",
  path: "/v1/organizations/{id}/api-keys",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Organizations"],
  summary: "Issue an API key to a person or system of the organisation (operators)",
  security: bearerSecurity,
  request: { params: OrgParams, headers: IdempotencyHeaders, body: jsonBody(CreateApiKeyBody) },
  responses: { 201: jsonResponse(CreatedApiKey, "Created; the secret is shown once"), ...problemResponses },
});

export const revokeApiKeyRoute = createRoute({
  operationId: "revokeApiKey",
  method: "delete",
  path: "/v1/organizations/{id}/api-keys/{keyId}",
  ...access({ public: "none", member: "none", operator: "all" }),
  tags: ["Organizations"],
  summary: "Revoke an API key (operators)",
  security: bearerSecurity,
  request: { params: KeyParams },
  responses: { 204: { description: "Revoked" }, ...problemResponses },
});
