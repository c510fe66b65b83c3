import type { OpenAPIHono } from "@hono/zod-openapi";
import { correctAchievementRoute } from "../../../../contracts/achievements.ts";
import { correctAchievement } from "../../../domain/achievements/correct-achievement.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentAchievement } from "../../present.ts";

export function registerCorrectAchievement(app: OpenAPIHono<AppEnv>) {
  app.openapi(correctAchievementRoute, async (c) => {
    const caller = c.get("caller");
    const achievement = await correctAchievement(c.get("deps"), {
      caller,
      achievementId: c.req.valid("param").id,
      patch: c.req.valid("json"),
    });
    return c.json(presentAchievement(achievement, caller), 200);
  });
}
