import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { countRows, createTestApp } from "../support/app.ts";
import { contractBody } from "../support/contracts.ts";
import { givenRoles } from "../support/roles.ts";

/** Storage that refuses writes answers 503 problem+json with Retry-After, writes nothing, and says what is wrong. */
describe("storage faults", () => {
  async function given(options: Parameters<typeof createTestApp>[1] = { file: true }) {
    const t = await createTestApp({}, options);
    const roles = await givenRoles(t);
    const record = () =>
      t.call("POST", "/v1/contracts", {
        token: roles.member.token,
        body: contractBody(roles.member.organization.id, roles.otherMember.organization.id),
      });
    return { t, roles, record };
  }

  function expectUnavailable(response: { status: number; headers: Headers; json: any }, detail: RegExp) {
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(response.json.type).toBe("urn:tech-market-ledger:problem:unavailable");
    expect(response.json.detail).toMatch(detail);
  }

  it("a full disk: 503 with Retry-After, nothing written, and writes resume once there is room", async () => {
    const { t, record } = await given();
    const pages = (await sql<{ page_count: number }>`PRAGMA page_count`.execute(t.database.db)).rows[0]?.page_count;
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(t.database.db);
    const events = await countRows(t, "audit_events");
    let refused: Awaited<ReturnType<typeof record>> | undefined;
    for (let i = 0; i < 50 && !refused; i++) {
      const response = await record();
      if (response.status !== 201) refused = response;
    }
    expect(refused).toBeDefined();
    expectUnavailable(refused as never, /storage is full; nothing was written/);
    const after = await countRows(t, "audit_events");
    expect(after - events).toBe(await countRows(t, "tech_contracts"));
    // Reads still work, and nothing needs a restart.
    expect((await t.call("GET", "/healthz")).status).toBe(200);
    await sql.raw("PRAGMA max_page_count = 1073741823").execute(t.database.db);
    expect((await record()).status).toBe(201);
  });

  it("a database that cannot be written: 503 naming it, not 'restart the service'", async () => {
    const { t, record } = await given({});
    await sql.raw("PRAGMA query_only = ON").execute(t.database.db);
    const response = await record();
    expectUnavailable(response, /cannot be written \(a read-only file or mount\)/);
    expect(await countRows(t, "tech_contracts")).toBe(0);
  });

  it("a failed log sync: 503 for writes, and /healthz reports 503 until a restart", async () => {
    let fail = false;
    const { t, record } = await given({
      file: true,
      sqlite: {
        syncLog: async () => {
          if (fail) throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
        },
      },
    });
    expect((await t.call("GET", "/healthz")).status).toBe(200);
    fail = true;
    expectUnavailable(await record(), /needs a restart/);
    expect((await t.call("GET", "/healthz")).status).toBe(503);
    expectUnavailable(await record(), /needs a restart/);
  });

  it("a log that a read-only mount refuses: 503 saying so, not 'restart the service'", async () => {
    let fail = false;
    const { record } = await given({
      file: true,
      sqlite: {
        syncLog: async () => {
          if (fail) throw Object.assign(new Error("EROFS: read-only file system, open"), { code: "EROFS" });
        },
      },
    });
    expect((await record()).status).toBe(201);
    fail = true;
    const response = await record();
    expectUnavailable(response, /cannot be written \(a read-only file or mount\)/);
    expect(response.json.detail).not.toMatch(/restart/);
  });
});
