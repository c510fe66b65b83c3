import type { OpenAPIHono } from "@hono/zod-openapi";
import { cancelContractRoute, revokeContractRoute } from "../../../../contracts/tech-contracts.ts";
import { cancelTechContract, revokeTechContract } from "../../../domain/tech-contracts/end-tech-contract.ts";
import { reviewClockOf } from "../../../domain/tech-contracts/read-tech-contracts.ts";
import type { TechContractRecord } from "../../../domain/tech-contracts/tech-contract.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentTechContract } from "../../present.ts";

export function registerEndContract(app: OpenAPIHono<AppEnv>) {
  for (const [route, operation] of [
    [cancelContractRoute, cancelTechContract],
    [revokeContractRoute, revokeTechContract],
  ] as const) {
    app.openapi(route, async (c) => {
      const deps = c.get("deps");
      const body = c.req.valid("json");
      const render = (r: TechContractRecord) => presentTechContract(r, reviewClockOf(deps));
      const outcome = await operation(deps, {
        caller: c.get("caller"),
        contractId: c.req.valid("param").id,
        reason: body.reason,
        idempotency: idempotencyOf(c, body, 200, render),
      });
      return sendOutcome(c, outcome, 200, render);
    });
  }
}
