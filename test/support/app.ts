import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { creditCodeCheckCharacter } from "../../contracts/credit-code.ts";
import { openSqlite, type SqliteOptions } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import type { Migration } from "../../db/migrations/index.ts";
import { type KeyVault, memoryVault } from "../../src/crypto/key-vault.ts";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import type { Clock } from "../../src/domain/ports.ts";
import type { AppDeps } from "../../src/http/app-env.ts";
import { createApp } from "../../src/http/create-app.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";

export interface TestClock extends Clock {
  set(iso: string): void;
  advance(ms: number): void;
}

export function fixedClock(iso = "2025-06-02T02:00:00.000Z"): TestClock {
  let current = new Date(iso).getTime();
  return {
    now: () => new Date(current),
    set: (next) => {
      current = new Date(next).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export const testConfig = parseConfig({ LEDGER_DATABASE: ":memory:" });

/**
 * A fresh migrated database and the app over it, per test: in memory, or with `file` a database
 * file in a temporary folder, as `npm start` runs it (a reading connection beside the writing
 * one, and writes committed in groups). `migrations` builds the schema of an earlier version.
 */
export async function createTestApp(
  { vault = memoryVault(), ...overrides }: Partial<AppDeps> & { vault?: KeyVault } = {},
  options: { file?: boolean; sqlite?: SqliteOptions; migrations?: readonly Migration[] } = {},
) {
  const path = options.file ? join(mkdtempSync(join(tmpdir(), "ledger-test-")), "ledger.sqlite") : ":memory:";
  const database = openSqlite(path, options.sqlite);
  await migrate(database, options.migrations);
  const clock = (overrides.clock as TestClock | undefined) ?? fixedClock();
  const deps = await buildDeps(database, testConfig, { clock, vault, ...overrides });
  const app = createApp(deps);
  return { app, deps, database, clock, vault, ...requester(app) };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

function requester(app: ReturnType<typeof createApp>) {
  async function call(method: string, path: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }
  return { call };
}

export async function tokenFor(t: Pick<TestApp, "call">, apiKey: string): Promise<string> {
  const response = await t.call("POST", "/v1/auth/token", { body: { apiKey } });
  if (response.status !== 200) throw new Error(`token failed: ${response.text}`);
  return response.json.accessToken as string;
}

export async function givenOperator(t: TestApp, name = "Operator One") {
  const created = await createOperator(t.deps, name);
  return { ...created, token: await tokenFor(t, created.apiKey) };
}

let creditSerial = 0;
export async function givenMember(
  t: TestApp,
  operatorToken: string,
  fields: Partial<{ name: string; kind: string; creditCode: string; regionCode: string }> = {},
) {
  const n = ++creditSerial;
  const org = await t.call("POST", "/v1/organizations", {
    token: operatorToken,
    body: {
      name: fields.name ?? `Member ${n}`,
      kind: fields.kind ?? "university",
      creditCode: fields.creditCode ?? validCreditCode(n),
      regionCode: fields.regionCode ?? "540102",
    },
  });
  if (org.status !== 201) throw new Error(`member failed: ${org.text}`);
  const key = await t.call("POST", `/v1/organizations/${org.json.id}/api-keys`, {
    token: operatorToken,
    body: { holder: "Registrar" },
  });
  return {
    organization: org.json,
    keyId: key.json.id as string,
    apiKey: key.json.apiKey as string,
    token: await tokenFor(t, key.json.apiKey),
  };
}

/** A valid credit code whose serial part encodes `n`, for fixtures that need many distinct ones. */
export function validCreditCode(n: number, region = "540102"): string {
  const body = `12${region}${String(n).padStart(9, "0")}`;
  return body + creditCodeCheckCharacter(body);
}

export async function countRows(t: Pick<TestApp, "database">, table: string): Promise<number> {
  const result = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(t.database.db);
  return result.rows[0]?.n ?? 0;
}
