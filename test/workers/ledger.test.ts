import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openD1 } from "../../db/dialects/d1.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { memoryVault } from "../../src/crypto/key-vault.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";
import { call } from "./worker-http.ts";

describe("the ledger on Workers + D1 (workerd)", () => {
  it("migrates D1, issues an operator key and a token, writes an organisation and reads it back", async () => {
    // The first request boots the Worker, which applies the migrations to D1.
    expect((await call("GET", "/healthz")).json).toEqual({ status: "ok", database: "ok" });
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .bind()
      .all<{ name: string }>();
    expect(tables.results.map((r) => r.name)).toEqual(
      expect.arrayContaining(["audit_events", "organizations", "api_keys", "schema_migrations"]),
    );

    // The command line's operation, run against the same D1 database.
    const deps = await buildDeps(openD1(env.DB), parseConfig({}), { vault: memoryVault() });
    const operator = await createOperator(deps, "Workers Operator");

    const token = await call("POST", "/v1/auth/token", { apiKey: operator.apiKey });
    expect(token.status).toBe(200);
    const body = {
      name: "Tibet University",
      kind: "university",
      creditCode: "91350100M000100Y43",
      regionCode: "540102",
    };
    const created = await call("POST", "/v1/organizations", body, token.json.accessToken);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject(body);
    const read = await call("GET", `/v1/organizations/${created.json.id}`, undefined, token.json.accessToken);
    expect(read.json).toEqual(created.json);

    const duplicate = await call("POST", "/v1/organizations", body, token.json.accessToken);
    expect(duplicate.status).toBe(409);
    const invalid = await call(
      "POST",
      "/v1/organizations",
      { ...body, creditCode: "91350100M000100Y44" },
      token.json.accessToken,
    );
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors[0].pointer).toBe("/creditCode");

    const head = await createLedgerStore(openD1(env.DB)).auditHead();
    expect(head.seq).toBe(3);
  });
});
