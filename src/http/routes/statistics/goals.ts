import type { OpenAPIHono } from "@hono/zod-openapi";
import { createGoalRoute, listGoalsRoute } from "../../../../contracts/statistics.ts";
import { parseYuan } from "../../../domain/money.ts";
import { createGoal, listGoals } from "../../../domain/statistics/goals.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";
import { presentGoal } from "../../present.ts";

export function registerGoals(app: OpenAPIHono<AppEnv>) {
  app.openapi(listGoalsRoute, async (c) => c.json({ items: (await listGoals(c.get("deps"))).map(presentGoal) }, 200));

  app.openapi(createGoalRoute, async (c) => {
    const body = c.req.valid("json");
    const outcome = await createGoal(c.get("deps"), {
      caller: c.get("caller"),
      name: body.name,
      targetFen: parseYuan(body.targetAmount),
      startsOn: body.startsOn,
      endsOn: body.endsOn,
      amount: body.amount,
      idempotency: idempotencyOf(c, body, 201, presentGoal),
    });
    return sendOutcome(c, outcome, 201, presentGoal, (goal) => `/v1/statistics/progress?goalId=${goal.id}`);
  });
}
