import type { OpenAPIHono } from "@hono/zod-openapi";
import { releasePledgeRoute } from "../../../../contracts/pledges.ts";
import { releasePledge } from "../../../domain/pledges/release-pledge.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentPledge } from "../../present.ts";

export function registerReleasePledge(app: OpenAPIHono<AppEnv>) {
  app.openapi(releasePledgeRoute, async (c) => {
    const body = c.req.valid("json");
    const outcome = await releasePledge(c.get("deps"), {
      caller: c.get("caller"),
      pledgeId: c.req.valid("param").id,
      reason: body.reason,
      idempotency: idempotencyOf(c, body, 200, presentPledge),
    });
    return sendOutcome(c, outcome, 200, presentPledge);
  });
}
