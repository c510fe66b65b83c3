import { beforeAll, describe, expect, it } from "vitest";
import type { Access, AccessRule } from "../../contracts/common.ts";
import { createTestApp, givenMember, type TestApp, validCreditCode } from "../support/app.ts";
import { contractBody, decide, givenRecordedContract, givenRegisteredContract } from "../support/contracts.ts";
import { achievementBody, decideAchievement, givenSubmittedAchievement } from "../support/given-achievement.ts";
import {
  givenBank,
  givenRegisteredPledge,
  givenSubmittedPledge,
  patentNumber,
  pledgeBody,
} from "../support/given-pledge.ts";
import { givenRoles, type RoleTokens } from "../support/roles.ts";

/**
 * The role matrix, generated from the OpenAPI document: every operation declares `x-access`
 * (contracts/common.ts), and every operation is called as each role with a request that would
 * succeed for a caller allowed to make it, on a fresh resource of `member` (so no cell depends on
 * another). The status must be what the declaration says: `all` succeeds, `own` succeeds for the
 * owner and is 404 for an outsider, `none` is 401 without a token and 403 (or 404, where the
 * resource is hidden from that caller) with one. A refusal writes nothing.
 */
type Cell = "public" | "member" | "outsider" | "operator";
const CELLS: Cell[] = ["public", "member", "outsider", "operator"];
const OFF = { limit: 0, windowMs: 60_000 };

interface World {
  t: TestApp;
  roles: RoleTokens;
  outsider: Awaited<ReturnType<typeof givenMember>>;
  /** The pledgee of the pledges here (their pledgor is `member`). */
  bank: Awaited<ReturnType<typeof givenMember>>;
}

/** `asPledgee`: the member cell acts as the pledgee bank (an operation only the pledgee may make). */
type Request = { path: string; body?: unknown; asPledgee?: boolean };
type Make = (w: World, cell: Cell) => Promise<Request>;

const token = (w: World, cell: Cell, request: Request) =>
  cell === "public"
    ? undefined
    : cell === "member"
      ? request.asPledgee
        ? w.bank.token
        : w.roles.member.token
      : cell === "outsider"
        ? w.outsider.token
        : w.roles.operator.token;

/** The organisation a cell acts for when it creates something of its own. */
const ownOrganization = (w: World, cell: Cell) =>
  cell === "outsider" ? w.outsider.organization.id : w.roles.member.organization.id;

async function correctionRequestedContract(w: World) {
  const recorded = await givenRecordedContract(w.t, w.roles);
  const sent = await decide(w.t, w.roles.operator.token, recorded.id, "request_correction", "Check the amounts");
  expect(sent.status, sent.text).toBe(200);
  return recorded.id as string;
}

async function correctionRequestedAchievement(w: World) {
  const submitted = await givenSubmittedAchievement(w.t, w.roles);
  const sent = await decideAchievement(w.t, w.roles.operator.token, submitted.id, "request_correction", "Add a patent");
  expect(sent.status, sent.text).toBe(200);
  return submitted.id as string;
}

let goals = 0;

/**
 * Operations gated by something other than a role, and what every caller gets here: bootstrap
 * takes a one-time secret (this world sets none, so all alike are refused 403). The secret's
 * cases, and the 409 once an operator exists, are in test/http/bootstrap.test.ts.
 */
const NOT_BY_ROLE: Record<string, number[]> = { "POST /v1/bootstrap": [403] };

/** For each operation, a request that succeeds for a caller allowed to make it. */
const REQUESTS: Record<string, Make> = {
  "POST /v1/auth/token": async (w, cell) => ({
    path: "/v1/auth/token",
    body: { apiKey: cell === "outsider" ? w.outsider.apiKey : w.roles.member.apiKey },
  }),
  "GET /.well-known/jwks.json": async () => ({ path: "/.well-known/jwks.json" }),
  "GET /healthz": async () => ({ path: "/healthz" }),
  "POST /v1/bootstrap": async () => ({
    path: "/v1/bootstrap",
    body: {
      bootstrapSecret: "b7f0c1e2d3a4958677a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b",
      operators: ["Matrix"],
    },
  }),
  "POST /v1/organizations": async () => ({
    path: "/v1/organizations",
    body: { name: `Matrix org ${++goals}`, kind: "enterprise", creditCode: creditCode(), regionCode: "540102" },
  }),
  "GET /v1/organizations/{id}": async (w) => ({ path: `/v1/organizations/${w.roles.member.organization.id}` }),
  "POST /v1/organizations/{id}/api-keys": async (w) => ({
    path: `/v1/organizations/${w.roles.member.organization.id}/api-keys`,
    body: { holder: "Matrix" },
  }),
  "DELETE /v1/organizations/{id}/api-keys/{keyId}": async (w) => {
    const key = await w.t.call("POST", `/v1/organizations/${w.roles.member.organization.id}/api-keys`, {
      token: w.roles.registrar.token,
      body: { holder: "To revoke" },
    });
    expect(key.status, key.text).toBe(201);
    return { path: `/v1/organizations/${w.roles.member.organization.id}/api-keys/${key.json.id}` };
  },
  "POST /v1/contracts": async (w, cell) => ({
    path: "/v1/contracts",
    body: contractBody(ownOrganization(w, cell), w.roles.otherMember.organization.id),
  }),
  "GET /v1/contracts": async () => ({ path: "/v1/contracts" }),
  "GET /v1/contracts/{id}": async (w) => ({ path: `/v1/contracts/${(await givenRecordedContract(w.t, w.roles)).id}` }),
  "PATCH /v1/contracts/{id}": async (w) => ({
    path: `/v1/contracts/${await correctionRequestedContract(w)}`,
    body: { title: "Corrected title" },
  }),
  "POST /v1/contracts/{id}/decisions": async (w) => ({
    path: `/v1/contracts/${(await givenRecordedContract(w.t, w.roles)).id}/decisions`,
    body: { decision: "register" },
  }),
  "POST /v1/contracts/{id}/cancellation": async (w) => ({
    path: `/v1/contracts/${(await givenRegisteredContract(w.t, w.roles)).id}/cancellation`,
    body: { reason: "Rescinded by both parties" },
  }),
  "POST /v1/contracts/{id}/revocation": async (w) => ({
    path: `/v1/contracts/${(await givenRegisteredContract(w.t, w.roles)).id}/revocation`,
    body: { reason: "Registered twice" },
  }),
  "POST /v1/achievements": async (w, cell) => ({
    path: "/v1/achievements",
    body: achievementBody(ownOrganization(w, cell)),
  }),
  "GET /v1/achievements": async () => ({ path: "/v1/achievements" }),
  "GET /v1/achievements/{id}": async (w) => ({
    path: `/v1/achievements/${(await givenSubmittedAchievement(w.t, w.roles)).id}`,
  }),
  "PATCH /v1/achievements/{id}": async (w) => ({
    path: `/v1/achievements/${await correctionRequestedAchievement(w)}`,
    body: { title: "Corrected achievement title" },
  }),
  "POST /v1/achievements/{id}/decisions": async (w) => ({
    path: `/v1/achievements/${(await givenSubmittedAchievement(w.t, w.roles)).id}/decisions`,
    body: { decision: "register" },
  }),
  "POST /v1/achievements/{id}/withdrawal": async (w) => ({
    path: `/v1/achievements/${(await givenSubmittedAchievement(w.t, w.roles)).id}/withdrawal`,
    body: { reason: "Superseded by a later result" },
  }),
  "POST /v1/pledges": async (w, cell) => ({
    path: "/v1/pledges",
    body: pledgeBody(ownOrganization(w, cell), w.bank.organization.id),
  }),
  "GET /v1/pledges": async () => ({ path: "/v1/pledges" }),
  "GET /v1/pledges/{id}": async (w) => ({
    path: `/v1/pledges/${(await givenSubmittedPledge(w.t, w.roles, w.bank)).id}`,
  }),
  "POST /v1/pledges/{id}/decisions": async (w) => ({
    path: `/v1/pledges/${(await givenSubmittedPledge(w.t, w.roles, w.bank)).id}/decisions`,
    body: { decision: "register" },
  }),
  "POST /v1/pledges/{id}/changes": async (w) => ({
    path: `/v1/pledges/${(await givenRegisteredPledge(w.t, w.roles, w.bank)).id}/changes`,
    body: { securedAmount: "6000000", reason: "Credit line raised" },
    asPledgee: true,
  }),
  "POST /v1/pledges/{id}/release": async (w) => ({
    path: `/v1/pledges/${(await givenRegisteredPledge(w.t, w.roles, w.bank)).id}/release`,
    body: { reason: "Loan repaid" },
    asPledgee: true,
  }),
  "GET /v1/pledges/rights/{type}/{number}": async () => ({ path: `/v1/pledges/rights/patent/${patentNumber()}` }),
  "GET /v1/statistics/pledges": async () => ({ path: "/v1/statistics/pledges?groupBy=year,sizeBand" }),
  "GET /v1/goals": async () => ({ path: "/v1/goals" }),
  "POST /v1/goals": async () => ({
    path: "/v1/goals",
    body: { name: `Matrix goal ${++goals}`, targetAmount: "100000000", startsOn: "2026-01-01", endsOn: "2030-12-31" },
  }),
  "GET /v1/statistics/progress": async () => ({ path: "/v1/statistics/progress" }),
  "GET /v1/statistics/contracts": async () => ({ path: "/v1/statistics/contracts?groupBy=year,type" }),
  "GET /v1/statistics/achievements": async () => ({ path: "/v1/statistics/achievements" }),
  // Bulletins of years long ended (the world's clock is in 2025), a fresh one per request.
  "POST /v1/bulletins": async () => ({ path: "/v1/bulletins", body: { period: String(1900 + ++years) } }),
  "GET /v1/bulletins": async () => ({ path: "/v1/bulletins" }),
  "GET /v1/bulletins/{id}": async (w) => ({ path: `/v1/bulletins/${await givenBulletin(w)}` }),
  "GET /v1/bulletins/{id}/proofs/{contractId}": async (w) => ({
    path: `/v1/bulletins/${await givenBulletin(w)}/proofs/${(await givenRegisteredContract(w.t, w.roles)).id}`,
  }),
  "GET /v1/bulletins/{id}/entries": async (w) => ({ path: `/v1/bulletins/${await givenBulletin(w)}/entries` }),
  "GET /v1/audit/events": async () => ({ path: "/v1/audit/events" }),
  "GET /v1/audit/verification": async () => ({ path: "/v1/audit/verification" }),
};

let years = 0;
async function givenBulletin(w: World) {
  const published = await w.t.call("POST", "/v1/bulletins", {
    token: w.roles.operator.token,
    body: { period: String(1900 + ++years) },
  });
  expect(published.status, published.text).toBe(201);
  return published.json.id as string;
}

let codes = 0;
/** A fresh valid credit code per organisation created here, apart from support/app.ts's serials. */
const creditCode = () => validCreditCode(500_000 + ++codes);

function expected(rule: Access, cell: Cell, needsToken: boolean, onResource: boolean): number[] {
  const success = [200, 201, 204];
  if (rule === "all") return success;
  if (cell === "public" && needsToken) return [401];
  if (rule === "own") return cell === "member" ? success : [404];
  return onResource && cell !== "member" && cell !== "operator" ? [403, 404] : [403];
}

describe("the role matrix, from the OpenAPI document's x-access", () => {
  let w: World;
  let operations: { key: string; method: string; path: string; access: AccessRule; needsToken: boolean }[];

  beforeAll(async () => {
    const t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } });
    const roles = await givenRoles(t);
    const outsider = await givenMember(t, roles.registrar.token, { name: "Outsider University" });
    const bank = await givenBank(t, roles);
    w = { t, roles, outsider, bank };
    const doc = (await t.call("GET", "/openapi.json")).json;
    operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        access: op["x-access"],
        needsToken: Array.isArray(op.security) && op.security.length > 0,
      })),
    );
  });

  it("every operation declares who may call it, and has a request here", () => {
    expect(operations.length).toBeGreaterThan(20);
    for (const op of operations) {
      expect(op.access, `${op.key} has no x-access`).toMatchObject({
        public: expect.stringMatching(/^(all|own|none)$/),
        member: expect.stringMatching(/^(all|own|none)$/),
        operator: expect.stringMatching(/^(all|own|none)$/),
      });
      expect(REQUESTS[op.key], `no matrix request for ${op.key}`).toBeDefined();
      // An operation anyone may call needs no token; one that needs a token is not open to the public.
      if (op.access.public !== "none") expect(op.needsToken, op.key).toBe(false);
      else expect(op.needsToken, op.key).toBe(true);
    }
    expect(Object.keys(REQUESTS).sort()).toEqual(operations.map((o) => o.key).sort());
  });

  it("every operation answers each role as declared, and a refusal writes nothing", async () => {
    const cells: string[] = [];
    const wrong: string[] = [];
    for (const op of operations) {
      for (const cell of CELLS) {
        const rule = op.access[cell === "outsider" ? "member" : cell];
        const request = await (REQUESTS[op.key] as Make)(w, cell);
        const before = await w.t.deps.store.auditHead();
        const caller = token(w, cell, request);
        const response = await w.t.call(op.method, request.path, {
          ...(caller ? { token: caller } : {}),
          ...(request.body !== undefined ? { body: request.body } : {}),
        });
        const after = await w.t.deps.store.auditHead();
        const allowed = NOT_BY_ROLE[op.key] ?? expected(rule, cell, op.needsToken, op.path.includes("{"));
        cells.push(`${op.key} ${cell} ${response.status}`);
        if (!allowed.includes(response.status))
          wrong.push(
            `${op.key} as ${cell} (${rule}): ${response.status}, expected ${allowed.join("/")}: ${response.text.slice(0, 200)}`,
          );
        if (response.status === 201) {
          // A 201 names what it created, and where a GET of it exists, the operator can read it there.
          const location = response.headers.get("location") ?? "";
          const readable = operations.some(
            (o) =>
              o.method === "GET" &&
              new RegExp(`^${o.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(location.split("?")[0] ?? ""),
          );
          if (!location) wrong.push(`${op.key} as ${cell}: 201 without Location`);
          else if (readable && (await w.t.call("GET", location, { token: w.roles.operator.token })).status !== 200)
            wrong.push(`${op.key} as ${cell}: Location ${location} does not read back`);
        }
        if (response.status >= 400) {
          expect(response.headers.get("content-type"), op.key).toContain("application/problem+json");
          if (after.seq !== before.seq) wrong.push(`${op.key} as ${cell}: refused with ${response.status} but wrote`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(cells.length).toBe(operations.length * CELLS.length);
  }, 60_000);
});
