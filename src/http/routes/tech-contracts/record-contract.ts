import type { OpenAPIHono } from "@hono/zod-openapi";
import { recordContractRoute } from "../../../../contracts/tech-contracts.ts";
import { reviewClockOf } from "../../../domain/tech-contracts/read-tech-contracts.ts";
import { recordTechContract } from "../../../domain/tech-contracts/record-tech-contract.ts";
import type { TechContractRecord } from "../../../domain/tech-contracts/tech-contract.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentTechContract } from "../../present.ts";

export function registerRecordContract(app: OpenAPIHono<AppEnv>) {
  app.openapi(recordContractRoute, async (c) => {
    const deps = c.get("deps");
    const input = c.req.valid("json");
    const render = (r: TechContractRecord) => presentTechContract(r, reviewClockOf(deps));
    const outcome = await recordTechContract(deps, {
      caller: c.get("caller"),
      input,
      idempotency: idempotencyOf(c, input, 201, render),
    });
    return sendOutcome(c, outcome, 201, render);
  });
}
