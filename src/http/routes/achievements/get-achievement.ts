import type { OpenAPIHono } from "@hono/zod-openapi";
import { getAchievementRoute } from "../../../../contracts/achievements.ts";
import { getAchievement } from "../../../domain/achievements/read-achievements.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentAchievement } from "../../present.ts";

export function registerGetAchievement(app: OpenAPIHono<AppEnv>) {
  app.openapi(getAchievementRoute, async (c) => {
    const caller = c.get("caller");
    const achievement = await getAchievement(c.get("deps"), caller, c.req.valid("param").id);
    return c.json(presentAchievement(achievement, caller), 200);
  });
}
