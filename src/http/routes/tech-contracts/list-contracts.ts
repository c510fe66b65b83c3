import type { OpenAPIHono } from "@hono/zod-openapi";
import { listContractsRoute } from "../../../../contracts/tech-contracts.ts";
import { listTechContracts, reviewClockOf } from "../../../domain/tech-contracts/read-tech-contracts.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentTechContract } from "../../present.ts";

export function registerListContracts(app: OpenAPIHono<AppEnv>) {
  app.openapi(listContractsRoute, async (c) => {
    const deps = c.get("deps");
    const { overdue, ...query } = c.req.valid("query");
    const page = await listTechContracts(deps, c.get("caller"), {
      ...query,
      overdue: overdue === undefined ? undefined : overdue === "true",
    });
    const review = reviewClockOf(deps);
    return c.json(
      {
        items: page.items.map((r) => presentTechContract(r, review)),
        nextCursor: page.nextCursor,
        reviewCalendar: page.reviewCalendar,
      },
      200,
    );
  });
}
