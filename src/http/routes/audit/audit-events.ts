import type { OpenAPIHono } from "@hono/zod-openapi";
import { listAuditEventsRoute, verifyLedgerRoute } from "../../../../contracts/audit.ts";
import { requireOperator } from "../../../domain/access.ts";
import { listAuditEvents } from "../../../domain/ledger/list-audit-events.ts";
import { verifyLedger } from "../../../domain/verification/verify-ledger.ts";
import type { AppEnv } from "../../app-env.ts";
import { presentAuditEvent } from "../../present.ts";

export function registerAudit(app: OpenAPIHono<AppEnv>) {
  app.openapi(listAuditEventsRoute, async (c) => {
    const { after, cursor, limit } = c.req.valid("query");
    const page = await listAuditEvents(c.get("deps"), c.get("caller"), cursor ? Number(cursor) : after, limit);
    return c.json({ items: page.items.map(presentAuditEvent), nextCursor: page.nextCursor }, 200);
  });

  // One verification at a time: it keeps every core busy for seconds on a large ledger. A request
  // that arrives while one runs gets that run's report; its head says what it covered.
  let running: ReturnType<typeof verifyLedger> | undefined;
  app.openapi(verifyLedgerRoute, async (c) => {
    requireOperator(c.get("caller"));
    const deps = c.get("deps");
    running ??= verifyLedger(deps)
      .then((report) => {
        deps.metrics?.verified(report.ok, deps.clock.now());
        return report;
      })
      .finally(() => {
        running = undefined;
      });
    return c.json(await running, 200);
  });
}
