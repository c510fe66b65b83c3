import type { OpenAPIHono } from "@hono/zod-openapi";
import { correctContractRoute } from "../../../../contracts/tech-contracts.ts";
import { correctTechContract } from "../../../domain/tech-contracts/correct-tech-contract.ts";
import { reviewClockOf } from "../../../domain/tech-contracts/read-tech-contracts.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentTechContract } from "../../present.ts";

export function registerCorrectContract(app: OpenAPIHono<AppEnv>) {
  app.openapi(correctContractRoute, async (c) => {
    const deps = c.get("deps");
    const contract = await correctTechContract(deps, {
      caller: c.get("caller"),
      contractId: c.req.valid("param").id,
      patch: c.req.valid("json"),
    });
    return c.json(presentTechContract(contract, reviewClockOf(deps)), 200);
  });
}
