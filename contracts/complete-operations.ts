import type { OpenAPIHono } from "@hono/zod-openapi";
import { ProblemDetail } from "./common.ts";

type OpenAPIRegistry = OpenAPIHono["openAPIRegistry"];
type Route = Extract<OpenAPIRegistry["definitions"][number], { type: "route" }>["route"];
type Responses = Route["responses"];

const string = { type: "string" as const };
const REQUEST_ID = {
  "X-Request-Id": {
    description: "This request's id (a safe incoming X-Request-Id is kept): quote it when reporting a problem",
    schema: string,
  },
};

const problem = (description: string, headers: Record<string, unknown> = {}) => ({
  description,
  headers: { ...REQUEST_ID, ...headers },
  content: { "application/problem+json": { schema: ProblemDetail } },
});

/** Answers any operation may get from the service itself, whatever the operation. */
const EVERY_OPERATION: Responses = {
  401: problem(
    "The Authorization header holds no valid token (a public operation needs none, but a bad one is refused)",
  ),
  500: problem("An unexpected error; the body names only the request id (the log has the detail)"),
  503: problem(
    "Storage refused the write or is busy (full, read-only, or failed and needing a restart); nothing was written",
    {
      "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } },
    },
  ),
};

/** Answers of an operation that takes a body (src/http/middleware). */
const WITH_BODY: Responses = {
  413: problem("The body is larger than the service accepts"),
  415: problem("The body is not application/json"),
};

/**
 * Completes every operation of the document from what the service does to all of them alike, so
 * no route has to repeat it and none can forget it: `security: []` on public operations, the
 * answers of the middleware (413, 415, 429, 500, 503), `X-Request-Id` on every response,
 * `Idempotent-Replayed` on the successes of idempotent writes, `Location` on 201. An operation
 * without an `operationId` stops the document (and the tests) here.
 */
export function completeOperations(registry: OpenAPIRegistry) {
  for (const definition of registry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    const key = `${route.method.toUpperCase()} ${route.path}`;
    if (!route.operationId) throw new Error(`${key} has no operationId`);
    const access = (route as { "x-access"?: { public: string } })["x-access"];
    if (access && access.public !== "none" && !route.security) route.security = [];
    const idempotent = headerNames(route).includes("idempotency-key");
    const responses: Responses = {
      ...(route.request?.body ? WITH_BODY : {}),
      ...EVERY_OPERATION,
      ...route.responses,
    };
    for (const [status, response] of Object.entries(responses)) {
      if (!response || typeof response !== "object" || !("description" in response)) continue;
      const headers: Record<string, unknown> = { ...REQUEST_ID, ...(response as { headers?: object }).headers };
      if (idempotent && status.startsWith("2")) {
        headers["Idempotent-Replayed"] = {
          description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
          schema: string,
        };
      }
      if (status === "201") headers.Location = { description: "The path of what was created", schema: string };
      responses[status] = { ...response, headers } as Responses[string];
    }
    route.responses = responses;
  }
}

function headerNames(route: Route): string[] {
  const headers = route.request?.headers as { shape?: Record<string, unknown> } | undefined;
  return headers?.shape ? Object.keys(headers.shape).map((h) => h.toLowerCase()) : [];
}
