import type { OpenAPIHono } from "@hono/zod-openapi";
import { pledgeStatisticsRoute } from "../../../../contracts/pledges.ts";
import { pledgeStatistics } from "../../../domain/pledges/pledge-statistics.ts";
import { audienceOf } from "../../../domain/statistics/disclosure.ts";
import type { AppEnv } from "../../app-env.ts";
import { toCsv } from "../../csv.ts";
import { pledgeStatisticsCsvTable, presentPledgeStatistics } from "../../present.ts";

export function registerPledgeStatistics(app: OpenAPIHono<AppEnv>) {
  app.openapi(pledgeStatisticsRoute, async (c) => {
    const result = await pledgeStatistics(c.get("deps"), {
      ...c.req.valid("query"),
      audience: audienceOf(c.get("caller")),
    });
    if ((c.req.header("accept") ?? "").includes("text/csv")) {
      const { header, rows } = pledgeStatisticsCsvTable(result);
      return c.body(toCsv(header, rows), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="pledges-${result.from}-${result.to}.csv"`,
      });
    }
    return c.json(presentPledgeStatistics(result), 200);
  });
}
