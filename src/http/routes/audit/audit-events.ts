import type { OpenAPIHono } from "@hono/zod-openapi";
import { listAuditEventsRoute, verifyLedgerRoute } from "../../../../contracts/audit.ts";
import { requireOperator } from "../../../domain/access.ts";
import { listAuditEvents } from "../../../domain/list-audit-events.ts";
import { verifyLedger } from "../../../domain/verify-ledger.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentAuditEvent } from "../../present.ts";

export function registerAudit(app: OpenAPIHono<AppEnv>) {
  app.openapi(listAuditEventsRoute, async (c) => {
    const { after, cursor, limit } = c.req.valid("query");
    const page = await listAuditEvents(c.get("deps"), c.get("caller"), cursor ? Number(cursor) : after, limit);
    return c.json({ items: page.items.map(presentAuditEvent), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(verifyLedgerRoute, async (c) => {
    requireOperator(c.get("caller"));
    return c.json(await verifyLedger(c.get("deps")), 200);
  });
}
