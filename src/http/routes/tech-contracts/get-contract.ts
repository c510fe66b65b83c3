import type { OpenAPIHono } from "@hono/zod-openapi";
import { getContractRoute } from "../../../../contracts/tech-contracts.ts";
import { getTechContract, reviewClockOf } from "../../../domain/tech-contracts/read-tech-contracts.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentTechContract } from "../../present.ts";

export function registerGetContract(app: OpenAPIHono<AppEnv>) {
  app.openapi(getContractRoute, async (c) => {
    const deps = c.get("deps");
    const contract = await getTechContract(deps, c.get("caller"), c.req.valid("param").id);
    return c.json(presentTechContract(contract, reviewClockOf(deps)), 200);
  });
}
