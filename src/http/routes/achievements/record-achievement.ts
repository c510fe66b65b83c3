import type { OpenAPIHono } from "@hono/zod-openapi";
import { recordAchievementRoute } from "../../../../contracts/achievements.ts";
import type { AchievementRecord } from "../../../domain/achievements/achievement.ts";
import { recordAchievement } from "../../../domain/achievements/record-achievement.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentAchievement } from "../../present.ts";

export function registerRecordAchievement(app: OpenAPIHono<AppEnv>) {
  app.openapi(recordAchievementRoute, async (c) => {
    const caller = c.get("caller");
    const input = c.req.valid("json");
    const render = (r: AchievementRecord) => presentAchievement(r, caller);
    const outcome = await recordAchievement(c.get("deps"), {
      caller,
      input,
      idempotency: idempotencyOf(c, input, 201, render),
    });
    return sendOutcome(c, outcome, 201, render);
  });
}
