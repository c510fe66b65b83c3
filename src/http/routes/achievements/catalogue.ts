import type { OpenAPIHono } from "@hono/zod-openapi";
import { catalogueRoute } from "../../../../contracts/achievements.ts";
import { searchCatalogue } from "../../../domain/achievements/read-achievements.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentAchievement } from "../../present.ts";

export function registerCatalogue(app: OpenAPIHono<AppEnv>) {
  app.openapi(catalogueRoute, async (c) => {
    const caller = c.get("caller");
    const page = await searchCatalogue(c.get("deps"), c.req.valid("query"));
    return c.json({ ...page, items: page.items.map((a) => presentAchievement(a, caller)) }, 200);
  });
}
