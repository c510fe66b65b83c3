import type { OpenAPIHono } from "@hono/zod-openapi";
import { achievementStatisticsRoute } from "../../../../contracts/achievements.ts";
import { achievementStatistics } from "../../../domain/achievements/achievement-statistics.ts";
import { audienceOf } from "../../../domain/statistics/disclosure.ts";
import type { AppEnv } from "../../app-env.ts";
import { toCsv } from "../../csv.ts";
import { achievementStatisticsCsvTable, presentAchievementStatistics } from "../../present.ts";

export function registerAchievementStatistics(app: OpenAPIHono<AppEnv>) {
  app.openapi(achievementStatisticsRoute, async (c) => {
    const result = await achievementStatistics(c.get("deps"), {
      ...c.req.valid("query"),
      audience: audienceOf(c.get("caller")),
    });
    if ((c.req.header("accept") ?? "").includes("text/csv")) {
      const { header, rows } = achievementStatisticsCsvTable(result);
      return c.body(toCsv(header, rows), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="achievements-${result.from}-${result.to}.csv"`,
      });
    }
    return c.json(presentAchievementStatistics(result), 200);
  });
}
