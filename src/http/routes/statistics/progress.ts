import type { OpenAPIHono } from "@hono/zod-openapi";
import { progressRoute } from "../../../../contracts/statistics.ts";
import { formatBasisPoints, formatYuan } from "../../../domain/money.ts";
import { goalProgress } from "../../../domain/statistics/progress.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentGoal } from "../../present.ts";

export function registerProgress(app: OpenAPIHono<AppEnv>) {
  app.openapi(progressRoute, async (c) => {
    const p = await goalProgress(c.get("deps"), c.req.valid("query").goalId);
    return c.json(
      {
        goal: presentGoal(p.goal),
        asOf: p.asOf,
        cumulativeAmount: formatYuan(p.cumulativeFen),
        contractCount: p.contractCount,
        percent: formatBasisPoints(p.basisPoints),
        remainingAmount: formatYuan(p.remainingFen),
        runRatePerMonth: formatYuan(p.runRatePerMonthFen),
        projectedReachOn: p.projectedReachOn,
        reachedOn: p.reachedOn,
      },
      200,
    );
  });
}
