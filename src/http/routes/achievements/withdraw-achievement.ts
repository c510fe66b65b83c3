import type { OpenAPIHono } from "@hono/zod-openapi";
import { withdrawAchievementRoute } from "../../../../contracts/achievements.ts";
import type { AchievementRecord } from "../../../domain/achievements/achievement.ts";
import { withdrawAchievement } from "../../../domain/achievements/withdraw-achievement.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentAchievement } from "../../present.ts";

export function registerWithdrawAchievement(app: OpenAPIHono<AppEnv>) {
  app.openapi(withdrawAchievementRoute, async (c) => {
    const caller = c.get("caller");
    const body = c.req.valid("json");
    const render = (r: AchievementRecord) => presentAchievement(r, caller);
    const outcome = await withdrawAchievement(c.get("deps"), {
      caller,
      achievementId: c.req.valid("param").id,
      reason: body.reason,
      idempotency: idempotencyOf(c, body, 200, render),
    });
    return sendOutcome(c, outcome, 200, render);
  });
}
