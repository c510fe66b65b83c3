import type { OpenAPIHono } from "@hono/zod-openapi";
import { changePledgeRoute } from "../../../../contracts/pledges.ts";
import { changePledge } from "../../../domain/pledges/change-pledge.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentPledge } from "../../present.ts";

export function registerChangePledge(app: OpenAPIHono<AppEnv>) {
  app.openapi(changePledgeRoute, async (c) => {
    const body = c.req.valid("json");
    const outcome = await changePledge(c.get("deps"), {
      caller: c.get("caller"),
      pledgeId: c.req.valid("param").id,
      securedAmount: body.securedAmount,
      termEnd: body.termEnd,
      reason: body.reason,
      idempotency: idempotencyOf(c, body, 200, presentPledge),
    });
    return sendOutcome(c, outcome, 200, presentPledge);
  });
}
