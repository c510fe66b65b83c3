import type { OpenAPIHono } from "@hono/zod-openapi";
import { stream } from "hono/streaming";
import {
  bulletinEntriesRoute,
  bulletinProofRoute,
  getBulletinRoute,
  listBulletinsRoute,
  publishBulletinRoute,
} from "../../../../contracts/bulletins.ts";
import type { BulletinRecord } from "../../../domain/bulletins/bulletin.ts";
import { publishBulletin } from "../../../domain/bulletins/publish-bulletin.ts";
import { bulletinEntries, bulletinProof, loadBulletin } from "../../../domain/bulletins/read-bulletins.ts";
import type { AppEnv } from "../../app-env.ts";
import { idempotencyOf, sendOutcome } from "../../idempotency.ts";

/** A bulletin as the API shows it: what was published, nothing of who published it. */
export const presentBulletin = (b: BulletinRecord) => ({
  id: b.id,
  sequence: b.sequence,
  period: b.period,
  publishedAt: b.publishedAt,
  payload: b.payload,
  jws: b.jws,
});

export function registerBulletins(app: OpenAPIHono<AppEnv>) {
  app.openapi(publishBulletinRoute, async (c) => {
    const input = c.req.valid("json");
    const outcome = await publishBulletin(c.get("deps"), {
      caller: c.get("caller"),
      period: input.period,
      idempotency: idempotencyOf(c, input, 201, presentBulletin),
    });
    return sendOutcome(c, outcome, 201, presentBulletin);
  });

  app.openapi(listBulletinsRoute, async (c) => {
    const items = await c.get("deps").store.listBulletins();
    return c.json({ items: items.map(presentBulletin) }, 200);
  });

  app.openapi(getBulletinRoute, async (c) => {
    return c.json(presentBulletin(await loadBulletin(c.get("deps"), c.req.valid("param").id)), 200);
  });

  app.openapi(bulletinProofRoute, async (c) => {
    const { id, contractId } = c.req.valid("param");
    return c.json(await bulletinProof(c.get("deps"), c.get("caller"), id, contractId), 200);
  });

  app.openapi(bulletinEntriesRoute, async (c) => {
    const { bulletin, lines } = await bulletinEntries(c.get("deps"), c.get("caller"), c.req.valid("param").id);
    c.header("Content-Type", "application/x-ndjson");
    c.header("Content-Disposition", `attachment; filename="bulletin-${bulletin.sequence}-entries.ndjson"`);
    return stream(c, async (out) => {
      for await (const line of lines) await out.write(line);
    }) as never;
  });
}
