import { createRoute, z } from "@hono/zod-openapi";
import { access, jsonBody, jsonResponse, problemResponses, rateLimitedResponses } from "./common.ts";

export const TokenRequest = z
  .object({ apiKey: z.string().min(1, "must not be empty").max(200, "is too long") })
  .strict()
  .openapi("TokenRequest");

export const TokenResponse = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Seconds until the token expires" }),
  })
  .openapi("TokenResponse");

export const issueTokenRoute = createRoute({
  operationId: "issueToken",
  method: "post",
  path: "/v1/auth/token",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Auth"],
  summary: "Exchange an API key for a short-lived access token",
  request: { body: jsonBody(TokenRequest) },
  responses: { 200: jsonResponse(TokenResponse, "An access token"), ...problemResponses, ...rateLimitedResponses },
});

export const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi("JWKS");

export const jwksRoute = createRoute({
  operationId: "getJwks",
  method: "get",
  path: "/.well-known/jwks.json",
  ...access({ public: "all", member: "all", operator: "all" }),
  tags: ["Auth"],
  summary: "Public keys that verify access tokens and bulletins",
  responses: { 200: jsonResponse(Jwks, "JSON Web Key Set") },
});
