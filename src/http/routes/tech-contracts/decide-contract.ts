import type { OpenAPIHono } from "@hono/zod-openapi";
import { decideContractRoute } from "../../../../contracts/tech-contracts.ts";
import { decideTechContract } from "../../../domain/tech-contracts/decide-tech-contract.ts";
import { reviewClockOf } from "../../../domain/tech-contracts/read-tech-contracts.ts";
import type { TechContractRecord } from "../../../domain/tech-contracts/tech-contract.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentTechContract } from "../../present.ts";

export function registerDecideContract(app: OpenAPIHono<AppEnv>) {
  app.openapi(decideContractRoute, async (c) => {
    const deps = c.get("deps");
    const body = c.req.valid("json");
    const render = (r: TechContractRecord) => presentTechContract(r, reviewClockOf(deps));
    const outcome = await decideTechContract(deps, {
      caller: c.get("caller"),
      contractId: c.req.valid("param").id,
      decision: body.decision,
      reason: body.reason,
      idempotency: idempotencyOf(c, body, 200, render),
    });
    return sendOutcome(c, outcome, 200, render);
  });
}
