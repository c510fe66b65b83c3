import type { OpenAPIHono } from "@hono/zod-openapi";
import { getPledgeRoute, listPledgesRoute, lookupRightRoute } from "../../../../contracts/pledges.ts";
import { getPledge, listPledges, lookupRight } from "../../../domain/pledges/read-pledges.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentPledge, presentRightLookup } from "../../present.ts";

export function registerListPledges(app: OpenAPIHono<AppEnv>) {
  app.openapi(listPledgesRoute, async (c) => {
    const page = await listPledges(c.get("deps"), c.get("caller"), c.req.valid("query"));
    return c.json({ items: page.items.map(presentPledge), nextCursor: page.nextCursor }, 200);
  });
}

export function registerGetPledge(app: OpenAPIHono<AppEnv>) {
  app.openapi(getPledgeRoute, async (c) => {
    const pledge = await getPledge(c.get("deps"), c.get("caller"), c.req.valid("param").id);
    return c.json(presentPledge(pledge), 200);
  });
}

export function registerLookupRight(app: OpenAPIHono<AppEnv>) {
  app.openapi(lookupRightRoute, async (c) => {
    const { type, number } = c.req.valid("param");
    return c.json(presentRightLookup(await lookupRight(c.get("deps"), type, number)), 200);
  });
}
