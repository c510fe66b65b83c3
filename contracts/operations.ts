import { createRoute, z } from "@hono/zod-openapi";
import { access, jsonBody, jsonResponse, problemResponses } from "./common.ts";

export const Health = z
  .object({ status: z.enum(["ok", "unavailable"]), database: z.enum(["ok", "unavailable"]) })
  .openapi("Health");

export const healthRoute = createRoute({
  operationId: "checkHealth",
  method: "get",
  path: "/healthz",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Operations"],
  summary: "Liveness and database check",
  responses: { 200: jsonResponse(Health, "Healthy"), 503: jsonResponse(Health, "Database unavailable") },
});

export const BootstrapRequest = z
  .object({
    bootstrapSecret: z.string().min(1, "must not be empty").max(500, "is too long").openapi({
      description: "The value of LEDGER_BOOTSTRAP_SECRET",
    }),
    operators: z
      .array(z.string().trim().min(1, "must not be empty").max(200, "is too long"))
      .min(1, "must name at least one operator")
      .max(10, "names at most 10 operators")
      .openapi({
        description:
          "Every first operator, by name: large contracts need two, and no operator key is issued over HTTP later",
        example: ["Dawa Tsering", "Pema Lhamo"],
      }),
  })
  .strict()
  .openapi("BootstrapRequest");

export const CreatedOperator = z
  .object({
    organizationId: z.string(),
    keyId: z.string(),
    holder: z.string(),
    apiKey: z.string().openapi({ description: "Shown once: exchange it at POST /v1/auth/token" }),
  })
  .openapi("CreatedOperator");

export const bootstrapRoute = createRoute({
  operationId: "bootstrapOperators",
  method: "post",
  path: "/v1/bootstrap",
  // Gated by a one-time secret, not by a role: anyone holding it, once, while there is no operator.
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Operations"],
  summary: "Create the first operators with the one-time LEDGER_BOOTSTRAP_SECRET (for a Worker on D1)",
  description:
    "Accepted while the market has no operator and refused (409) ever after; 403 where LEDGER_BOOTSTRAP_SECRET is not set, 401 for a wrong secret. Where the ledger is a file, `npm run cli -- create-operator` does the same.",
  request: { body: jsonBody(BootstrapRequest) },
  responses: {
    201: jsonResponse(z.object({ items: z.array(CreatedOperator) }), "The first operators, each with its API key"),
    ...problemResponses,
  },
});
