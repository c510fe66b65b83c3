import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles, travel } from "../support/roles.ts";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const OFF = { limit: 0, windowMs: 60_000 };

describe("the bulletin commands", () => {
  it("verify-bulletin checks files with no database; verify --bulletin catches a truncated ledger by the bulletin kept", async () => {
    const t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } }, { file: true });
    const roles = await givenRoles(t);
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    for (const yuan of ["300000", "400000", "500000"]) {
      await givenRegisteredContract(t, roles, { totalAmount: yuan, technologyAmount: "100000" });
    }
    await travel(t, roles, "2025-08-03T02:00:00.000Z");
    const bulletin = (
      await t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: { period: "2025-07" } })
    ).json;
    const dir = mkdtempSync(join(tmpdir(), "bulletin-cli-"));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const kept = file("bulletin.json", JSON.stringify(bulletin));
    const jwks = file("jwks.json", (await t.call("GET", "/.well-known/jwks.json")).text);
    const entries = file(
      "entries.ndjson",
      (await t.call("GET", `/v1/bulletins/${bulletin.id}/entries`, { token: roles.operator.token })).text,
    );
    const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
      run(TSX, ["src/runtime/cli.ts", ...args], { env }).catch((error) => error);

    const ok = await cli(["verify-bulletin", kept, "--jwks", jwks, "--entries", entries]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const tampered = file(
      "tampered.json",
      JSON.stringify({
        ...bulletin,
        payload: { ...bulletin.payload, figures: { ...bulletin.payload.figures, count: 4 } },
      }),
    );
    const refused = await cli(["verify-bulletin", tampered, "--jwks", jwks]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^signed payload is the bulletin's: /);
    const unreadable = await cli(["verify-bulletin", join(dir, "missing.json"), "--jwks", jwks]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^.*missing\.json cannot be read: ENOENT/);
    expect(unreadable.stderr).not.toMatch(/ at .*\.(ts|js):\d+/);
    const usage = await cli(["verify-bulletin", kept]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--jwks");

    // The ledger file, checked against the bulletin someone kept.
    const path = await databasePath(t);
    const env = { ...process.env, LEDGER_DATABASE: path, LEDGER_LOG: "off" };
    const before = await cli(["verify", "--bulletin", kept], env);
    expect(JSON.parse(before.stdout)).toMatchObject({ ok: true });
    // Truncated: the newest events deleted, the bulletin with them.
    const cut = bulletin.payload.ledgerHead.seq;
    await sql`DELETE FROM bulletins`.execute(t.database.db);
    await sql`DELETE FROM audit_events WHERE seq >= ${cut}`.execute(t.database.db);
    await t.database.close();
    const after = await cli(["verify", "--bulletin", kept], env);
    expect(after.code).toBe(1);
    expect(after.stdout).toContain("bulletin 1 (2025-07, ");
    expect(after.stdout).toMatch(/was cut at event \d+, but the chain ends at event/);
  }, 60_000);
});

/** The file under a test app's database (the first attached database's file). */
async function databasePath(t: Awaited<ReturnType<typeof createTestApp>>) {
  const { rows } = await sql<{ file: string }>`SELECT file FROM pragma_database_list WHERE name = 'main'`.execute(
    t.database.db,
  );
  return rows[0]?.file as string;
}
