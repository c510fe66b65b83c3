import { describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.ts";
import { givenRecordedContract, givenRegisteredContract } from "../support/contracts.ts";
import { givenRegisteredAchievement, givenSubmittedAchievement } from "../support/given-achievement.ts";
import { givenRoles, type RoleTokens } from "../support/roles.ts";

/**
 * Requests made from /openapi.json, for every operation and every role: values drawn from each
 * parameter's and body's schema, then broken in the ways clients and attackers break them (wrong
 * types, missing and unknown fields, control and bidi characters, huge strings and numbers,
 * impossible dates, ids of the wrong kind, bad JSON, other auth schemes). Whatever is sent: no
 * 5xx, every error is problem+json whose `status` is the response's, and a refused request
 * writes nothing (the audit head does not move). FUZZ_REQUESTS sets how many (2,000 by default;
 * `npm run soak` sends 20,000); FUZZ_SEED repeats a run.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const OFF = { limit: 0, windowMs: 60_000 };

type Schema = Record<string, any>;
type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, Schema> } };

/** mulberry32: small, fast and seeded, so a failing run can be repeated exactly. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}
type Random = ReturnType<typeof random>;

/** Values that have broken parsers, validators, normalisers and SQL elsewhere. */
const JUNK: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  "",
  " ",
  "\u0000",
  "a\u0085b",
  "\u009b31m",
  "evil \u202etxt.exe",
  "\u200b\u2060\ufeff",
  "line\u2028break",
  "\uffff",
  "\ud800",
  "x".repeat(5000),
  "中".repeat(3000),
  "2025-02-30",
  "2025-13-01",
  "0000-01-01",
  "9999-12-31",
  "2025-06-02T00:00:00Z",
  "NaN",
  "Infinity",
  "-0",
  "1e6",
  "0x10",
  "１２３",
  "100.001",
  "999999999999999999999.99",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "%00",
  "$" + "{jndi:ldap://x}", // a log-injection probe, not a template
  "__proto__",
  [],
  [null],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
];

function resolve(doc: Doc, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let depth = 0; s.$ref && depth < 10; depth++) s = doc.components.schemas[s.$ref.split("/").pop()] ?? {};
  return s;
}

/** A value the schema describes (often valid), with junk mixed in at random depths. */
function sample(doc: Doc, schemaIn: Schema | undefined, r: Random, depth = 0): unknown {
  const schema = resolve(doc, schemaIn);
  if (depth > 6 || r.chance(0.04)) return r.pick(JUNK);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return sample(doc, r.pick(options), r, depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: Schema) => sample(doc, s, r, depth + 1)));
  if (schema.enum) return r.pick(schema.enum);
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? r.pick(schema.type) : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const properties: Record<string, Schema> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      for (const [key, property] of Object.entries(properties)) {
        if (required.has(key) ? r.chance(0.97) : r.chance(0.5)) out[key] = sample(doc, property, r, depth + 1);
      }
      if (r.chance(0.05)) out[r.pick(["unknown", "__proto__", "id", "status", "registrationNumber"])] = r.pick(JUNK);
      return out;
    }
    case "array": {
      const length = r.chance(0.05) ? r.int(50, 300) : r.int(0, 3);
      return Array.from({ length }, () => sample(doc, schema.items, r, depth + 1));
    }
    case "integer":
      return r.chance(0.8) ? r.int(schema.minimum ?? 0, Math.min(schema.maximum ?? 100, 1000)) : r.pick(JUNK);
    case "number":
      return r.next() * 1000;
    case "boolean":
      return r.chance(0.5);
    case "null":
      return null;
    default:
      return stringOf(schema, r);
  }
}

const DATES = ["2021-01-01", "2024-02-29", "2025-06-01", "2025-06-02", "2025-12-31", "2026-01-01"];

function stringOf(schema: Schema, r: Random): string {
  const pattern: string = schema.pattern ?? "";
  if (schema.format === "date" || pattern.includes("\\d{4}-\\d{2}-\\d{2}")) return r.pick(DATES);
  if (/yuan|amount/i.test(`${schema.description ?? ""}`) || pattern.includes("\\.\\d"))
    return r.pick(["0", "1", "1250000.50", "100000000", "0.01", "12.345"]);
  if (r.chance(0.3)) return r.pick(["Tibet University", "高原温室控制系统", "540102", "ZL202110123456.7", "TC-1"]);
  return `s${r.int(0, 99999)}`;
}

interface Fixtures {
  roles: RoleTokens;
  ids: string[];
}

async function fixtures(t: TestApp): Promise<Fixtures> {
  const roles = await givenRoles(t);
  const recorded = await givenRecordedContract(t, roles);
  const registered = await givenRegisteredContract(t, roles);
  const submitted = await givenSubmittedAchievement(t, roles);
  const achievement = await givenRegisteredAchievement(t, roles);
  const ids = [
    recorded.id,
    registered.id,
    submitted.id,
    achievement.id,
    roles.member.organization.id,
    roles.otherMember.organization.id,
    roles.operator.organizationId,
    roles.member.keyId,
    roles.otherMember.keyId,
    roles.registrar.keyId,
    "plan",
  ];
  return { roles, ids };
}

const segmentJunk = ["x", "%00", "..", "%2e%2e", "中文", "a".repeat(300), "%ZZ", "con_0", "tc_", "-1", "%20"];

function pathOf(template: string, r: Random, f: Fixtures) {
  return template.replace(/\{[^}]+\}/g, () =>
    r.chance(0.7) ? encodeURIComponent(r.pick(f.ids)) : r.pick(segmentJunk),
  );
}

function queryOf(doc: Doc, parameters: Schema[], r: Random) {
  const params = new URLSearchParams();
  for (const p of parameters.filter((x) => x.in === "query")) {
    if (!r.chance(0.5)) continue;
    const value = r.chance(0.8) ? sample(doc, p.schema, r, 5) : r.pick(JUNK);
    params.append(p.name, typeof value === "string" ? value : JSON.stringify(value));
    if (r.chance(0.05)) params.append(p.name, "repeated");
  }
  if (r.chance(0.05)) params.append("unknownParameter", "1");
  const text = params.toString();
  return text ? `?${text}` : "";
}

function authOf(r: Random, f: Fixtures): Record<string, string> {
  const roll = r.next();
  if (roll < 0.2) return {};
  if (roll < 0.25) return { authorization: r.pick(["Basic dXNlcjpwYXNz", "Bearer", "Bearer x.y.z", "Token abc", ""]) };
  const holder = r.pick([f.roles.member, f.roles.otherMember, f.roles.operator, f.roles.registrar]);
  return { authorization: `Bearer ${holder.token}` };
}

function bodyOf(doc: Doc, operation: Schema, r: Random): { body?: string; contentType?: string } {
  const schema = operation.requestBody?.content?.["application/json"]?.schema;
  if (!schema && !r.chance(0.1)) return {};
  const roll = r.next();
  if (roll < 0.05) return { body: r.pick(["{", "not json", '{"a":1}{', "\u0000", "[]", "null", "1"]) };
  if (roll < 0.08) return { body: JSON.stringify(sample(doc, schema, r)), contentType: "text/plain" };
  if (roll < 0.1) return { body: JSON.stringify(r.pick(JUNK)) };
  return { body: JSON.stringify(sample(doc, schema, r)) };
}

describe(`requests made from the OpenAPI document (seed ${SEED})`, () => {
  it(`${REQUESTS} requests over every operation and role: no 5xx, problem+json errors, no write from a refused request`, async () => {
    const t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } });
    const f = await fixtures(t);
    const doc = (await t.call("GET", "/openapi.json")).json as Doc;
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
    expect(operations.length).toBeGreaterThan(20);
    const r = random(SEED);
    const seen = new Map<string, Set<number>>();
    const failures: string[] = [];
    for (let n = 0; n < REQUESTS && failures.length < 5; n++) {
      // Every operation in turn, so each gets its share whatever the count.
      const { path, method, operation } = operations[n % operations.length] as (typeof operations)[number];
      const url = pathOf(path, r, f) + queryOf(doc, operation.parameters ?? [], r);
      const { body, contentType } = method === "GET" ? {} : bodyOf(doc, operation, r);
      const headers: Record<string, string> = { ...authOf(r, f) };
      if (body !== undefined) headers["content-type"] = contentType ?? "application/json";
      if (r.chance(0.1)) headers["idempotency-key"] = r.pick(["k1", "", "x".repeat(300), "k\u00e9y", "a b"]);
      const before = await t.deps.store.auditHead();
      const response = await t.app.request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      const after = await t.deps.store.auditHead();
      const request = `#${n} ${method} ${url} ${JSON.stringify(headers)} ${body?.slice(0, 400) ?? ""}`;
      const codes = seen.get(`${method} ${path}`) ?? new Set<number>();
      codes.add(response.status);
      seen.set(`${method} ${path}`, codes);
      if (response.status >= 500) failures.push(`${response.status} for ${request}: ${text.slice(0, 400)}`);
      if (response.status >= 400) {
        const type = response.headers.get("content-type") ?? "";
        let problem: Record<string, unknown> | undefined;
        try {
          problem = JSON.parse(text);
        } catch {}
        if (!type.startsWith("application/problem+json") || problem?.status !== response.status || !problem?.type)
          failures.push(`not problem+json (${response.status}, ${type}) for ${request}: ${text.slice(0, 200)}`);
        if (after.seq !== before.seq)
          failures.push(`a refused request wrote (head ${before.seq} → ${after.seq}): ${request}`);
      }
      if ((method === "GET" || method === "HEAD") && after.seq !== before.seq)
        failures.push(`a read wrote (head ${before.seq} → ${after.seq}): ${request}`);
    }
    expect(failures, `FUZZ_SEED=${SEED}`).toEqual([]);
    // Every operation was reached, and the requests were not all refused at the door.
    expect(seen.size).toBe(operations.length);
    const all = [...seen.values()].flatMap((s) => [...s]);
    expect(all.some((s) => s < 300)).toBe(true);
    expect(all.filter((s) => s === 400).length).toBeGreaterThan(0);
    const verification = await t.call("GET", "/v1/audit/verification", { token: f.roles.operator.token });
    expect(verification.json.ok, verification.text).toBe(true);
  }, 600_000);
});
