import type { OpenAPIHono } from "@hono/zod-openapi";
import { recordPledgeRoute } from "../../../../contracts/pledges.ts";
import { recordPledge } from "../../../domain/pledges/record-pledge.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentPledge } from "../../present.ts";

export function registerRecordPledge(app: OpenAPIHono<AppEnv>) {
  app.openapi(recordPledgeRoute, async (c) => {
    const input = c.req.valid("json");
    const outcome = await recordPledge(c.get("deps"), {
      caller: c.get("caller"),
      input,
      idempotency: idempotencyOf(c, input, 201, presentPledge),
    });
    return sendOutcome(c, outcome, 201, presentPledge);
  });
}
