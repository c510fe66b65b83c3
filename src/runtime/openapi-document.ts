import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { memoryVault } from "../crypto/key-vault.ts";
import { createApp } from "../http/create-app.ts";
import { parseConfig } from "./config.ts";
import { buildDeps } from "./deps.ts";

/**
 * The OpenAPI document exactly as GET /openapi.json serves it, built from the app over an empty
 * in-memory ledger (the document depends on the code only): for the linter and the typed client.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const database = openSqlite(":memory:");
  await migrate(database);
  const deps = await buildDeps(database, parseConfig({ LEDGER_LOG: "off" }), { vault: memoryVault() });
  const response = await createApp(deps).request("/openapi.json");
  await database.close();
  return (await response.json()) as Record<string, unknown>;
}
