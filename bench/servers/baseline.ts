/**
 * The baseline: a bare Hono app on the same stack and durability as the ledger (better-sqlite3,
 * WAL, synchronous=FULL). POST /items validates a small body with zod and inserts one row with
 * Kysely; GET /hello answers text.
 */
import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import { Hono } from "hono";
import { Kysely, SqliteDialect } from "kysely";
import { z } from "zod";

const path = process.argv[2] ?? ":memory:";
const port = Number(process.argv[3] ?? 3901);
const raw = new Database(path);
raw.pragma("journal_mode = WAL");
raw.pragma("synchronous = FULL");
raw.exec(
  "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, amount_fen INTEGER NOT NULL) STRICT",
);
const db = new Kysely<{ items: { id?: number; name: string; amount_fen: number } }>({
  dialect: new SqliteDialect({ database: raw }),
});
const Body = z.object({ name: z.string().min(1).max(200), amount: z.string().regex(/^\d+(\.\d{1,2})?$/) }).strict();

const app = new Hono();
app.post("/items", async (c) => {
  const parsed = Body.safeParse(await c.req.json().catch(() => null));
  if (!parsed.success) return c.json({ error: parsed.error.issues }, 400);
  const result = await db
    .insertInto("items")
    .values({ name: parsed.data.name, amount_fen: Math.round(Number(parsed.data.amount) * 100) })
    .executeTakeFirstOrThrow();
  return c.json({ id: Number(result.insertId) }, 201);
});
app.get("/hello", (c) => c.text("hello"));
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => console.log(`listening on http://127.0.0.1:${port}`));
