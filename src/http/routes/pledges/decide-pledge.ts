import type { OpenAPIHono } from "@hono/zod-openapi";
import { decidePledgeRoute } from "../../../../contracts/pledges.ts";
import { decidePledge } from "../../../domain/pledges/decide-pledge.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentPledge } from "../../present.ts";

export function registerDecidePledge(app: OpenAPIHono<AppEnv>) {
  app.openapi(decidePledgeRoute, async (c) => {
    const body = c.req.valid("json");
    const outcome = await decidePledge(c.get("deps"), {
      caller: c.get("caller"),
      pledgeId: c.req.valid("param").id,
      decision: body.decision,
      reason: body.reason,
      idempotency: idempotencyOf(c, body, 200, presentPledge),
    });
    return sendOutcome(c, outcome, 200, presentPledge);
  });
}
