import { type ChildProcess, execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
} from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { validCreditCode } from "../support/app.ts";
import { startServer } from "../support/server-process.ts";

const run = promisify(execFile);

function writableByUs(path: string) {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

function freshEnv() {
  const dir = mkdtempSync(join(tmpdir(), "ledger-process-"));
  return { ...process.env, LEDGER_DATABASE: join(dir, "ledger.sqlite"), LEDGER_LOG: "off", PORT: "0" };
}

describe("the Node service and command line", () => {
  let server: ChildProcess | undefined;
  afterEach(() => {
    server?.kill("SIGKILL");
  });

  it("starts on an empty database; create-operator's key creates and reads an organisation", async () => {
    const env = freshEnv();
    const s = await startServer(env);
    server = s.child;
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(s.output()).toContain("create-operator");

    const { stdout } = await run(TSX, ["src/runtime/cli.ts", "create-operator", "--name", "Dawa"], { env });
    const operator = JSON.parse(stdout);
    expect(operator).toMatchObject({ holder: "Dawa" });
    expect(operator.organizationId).toMatch(/^org_/);
    const second = JSON.parse(
      (await run(TSX, ["src/runtime/cli.ts", "create-operator", "--name", "Pema"], { env })).stdout,
    );
    expect(second.organizationId).toBe(operator.organizationId);
    expect(second.apiKey).not.toBe(operator.apiKey);

    const token = await (
      await fetch(`${s.url}/v1/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ apiKey: operator.apiKey }),
      })
    ).json();
    const created = await fetch(`${s.url}/v1/organizations`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token.accessToken}` },
      body: JSON.stringify({
        name: "Tibet University",
        kind: "university",
        creditCode: "91350100M000100Y43",
        regionCode: "540102",
      }),
    });
    expect(created.status).toBe(201);
    const org = await created.json();
    const read = await fetch(`${s.url}/v1/organizations/${org.id}`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(await read.json()).toEqual(org);

    const verified = JSON.parse((await run(TSX, ["src/runtime/cli.ts", "verify"], { env })).stdout);
    expect(verified).toMatchObject({ ok: true, checked: 4 });
    const raw = new Database(env.LEDGER_DATABASE);
    raw.prepare("UPDATE organizations SET name = 'Forged' WHERE id = ?").run(org.id);
    raw.close();
    const failed = await run(TSX, ["src/runtime/cli.ts", "verify"], { env }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, firstInvalidSeq: 4 });

    const exited = new Promise<number | null>((resolve) => s.child.on("exit", resolve));
    s.child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 30_000);

  it("drains on SIGTERM under keep-alive write load: exits 0 with every acknowledged write on disk", async () => {
    const env = freshEnv();
    await run(TSX, ["src/runtime/cli.ts", "migrate"], { env });
    const { stdout } = await run(TSX, ["src/runtime/cli.ts", "create-operator", "--name", "Dawa"], { env });
    const s = await startServer(env);
    server = s.child;
    const token = (
      await (
        await fetch(`${s.url}/v1/auth/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ apiKey: JSON.parse(stdout).apiKey }),
        })
      ).json()
    ).accessToken;
    const acknowledged: string[] = [];
    let serial = 0;
    let stop = false;
    // Eight clients on keep-alive connections, each writing in a loop.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    type Answer = { status: number; connection: string | undefined; text: string };
    /** POSTs the organisation `body`; with `hold`, writes its first part only until called back. */
    const post = (body: string, via: Agent | false = agent, hold?: (sendRest: () => void) => void) =>
      new Promise<Answer>((resolve, reject) => {
        const request = httpRequest(
          `${s.url}/v1/organizations`,
          {
            method: "POST",
            agent: via,
            headers: {
              "content-type": "application/json",
              "content-length": String(Buffer.byteLength(body)),
              authorization: `Bearer ${token}`,
            },
          },
          (response) => {
            let text = "";
            response.on("data", (chunk) => {
              text += chunk;
            });
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, text }),
            );
            response.on("error", reject);
          },
        );
        request.on("error", reject);
        if (!hold) return void request.end(body);
        request.write(body.slice(0, 10));
        hold(() => request.end(body.slice(10)));
      });
    const writer = async () => {
      while (!stop) {
        const n = ++serial;
        try {
          const response = await post(
            JSON.stringify({
              name: `Drain ${n}`,
              kind: "enterprise",
              creditCode: validCreditCode(n + 5000),
              regionCode: "540102",
            }),
          );
          if (response.status === 201) acknowledged.push(JSON.parse(response.text).id);
        } catch {
          // Refused once the server stopped accepting: nothing was sent to it.
          if (stop) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    };
    // One request is surely in flight when the signal arrives, whatever the writers' timing: its
    // headers and the start of its body are sent before the signal, the rest after it.
    let sendRest = () => {};
    const held = post(
      JSON.stringify({
        name: "Held in flight",
        kind: "enterprise",
        creditCode: validCreditCode(4999),
        regionCode: "540102",
      }),
      false,
      (rest) => {
        sendRest = rest;
      },
    );
    const exited = new Promise<number | null>((resolve) => s.child.on("exit", resolve));
    const writers = Array.from({ length: 8 }, writer);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const before = acknowledged.length;
    const signalled = Date.now();
    s.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    sendRest();
    const heldAnswer = await held;
    const code = await exited;
    stop = true;
    await Promise.all(writers);
    expect(code, s.output()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(before).toBeGreaterThan(10);
    // The request in flight was answered, and told to reconnect elsewhere.
    expect(heldAnswer.status, heldAnswer.text).toBe(201);
    expect(heldAnswer.connection).toBe("close");
    acknowledged.push(JSON.parse(heldAnswer.text).id);
    expect(s.output()).toMatch(/SIGTERM: draining/);
    const raw = new Database(env.LEDGER_DATABASE, { readonly: true });
    const stored = new Set(
      (raw.prepare("SELECT id FROM organizations").all() as { id: string }[]).map((row) => row.id),
    );
    raw.close();
    for (const id of acknowledged) expect(stored.has(id), id).toBe(true);
  }, 40_000);

  it("answers malformed HTTP with problem+json: a bad request line, a bad Content-Length, oversized headers", async () => {
    const s = await startServer(freshEnv());
    server = s.child;
    const { hostname, port } = new URL(s.url);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname === "localhost" ? "127.0.0.1" : hostname);
        let answer = "";
        socket.on("data", (chunk) => {
          answer += chunk;
        });
        socket.on("end", () => resolve(answer));
        socket.on("error", reject);
        socket.write(request);
      });
    const cases: [string, number][] = [
      ["NONSENSE\r\n\r\n", 400],
      ["POST /v1/contracts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400],
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
    ];
    for (const [request, status] of cases) {
      const answer = await raw(request);
      expect(answer, request.slice(0, 40)).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(answer).toContain("Content-Type: application/problem+json");
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      expect(body).toMatchObject({ status, type: "urn:tech-market-ledger:problem:malformed-request" });
    }
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  }, 30_000);

  it("answers 408 and closes connections whose headers or body do not arrive in time", async () => {
    const s = await startServer({ ...freshEnv(), LEDGER_REQUEST_TIMEOUT_MS: "1000" });
    server = s.child;
    const { hostname, port } = new URL(s.url);
    // 30 clients that send a part of a body and then nothing, and 5 that never end their headers.
    const stalled = (request: string) =>
      new Promise<{ answer: string; closedAfterMs: number }>((resolve, reject) => {
        const started = Date.now();
        const socket = connect(Number(port), hostname === "localhost" ? "127.0.0.1" : hostname);
        let answer = "";
        socket.on("data", (chunk) => {
          answer += chunk;
        });
        socket.on("close", () => resolve({ answer, closedAfterMs: Date.now() - started }));
        socket.on("error", reject);
        socket.write(request);
      });
    const body =
      'POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiKey":';
    const headers = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    const results = await Promise.all([
      ...Array.from({ length: 30 }, () => stalled(body)),
      ...Array.from({ length: 5 }, () => stalled(headers)),
    ]);
    for (const { answer, closedAfterMs } of results) {
      expect(closedAfterMs).toBeLessThan(5_000);
      expect(answer).toMatch(/^HTTP\/1.1 408 /);
      expect(answer).toContain("Content-Type: application/problem+json");
    }
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  }, 30_000);

  it("refuses to start on a bad setting, naming the variable", async () => {
    const env = { ...freshEnv(), LEDGER_REGION_CODE: "lhasa" };
    await expect(run(TSX, ["src/runtime/node.ts"], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining("LEDGER_REGION_CODE"),
    });
  });

  it("verify reads the file as it is: a missing path is refused, an old schema is named, nothing is written", async () => {
    const env = freshEnv();
    const missing = await run(TSX, ["src/runtime/cli.ts", "verify"], { env }).catch((error) => error);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^no ledger at .*ledger\.sqlite: check LEDGER_DATABASE/);
    expect(missing.stderr).not.toMatch(/ at .*\.ts:\d+/); // no stack trace
    expect(existsSync(env.LEDGER_DATABASE as string)).toBe(false);
    const writer = await run(TSX, ["src/runtime/cli.ts", "create-operator", "--name", "Dawa"], { env }).catch(
      (error) => error,
    );
    expect(writer.code).toBe(1);
    expect(writer.stderr).toMatch(/^no ledger at .*: check LEDGER_DATABASE \(or --database\), or create one/);
    expect(existsSync(env.LEDGER_DATABASE as string)).toBe(false);

    await run(TSX, ["src/runtime/cli.ts", "migrate"], { env });
    await run(TSX, ["src/runtime/cli.ts", "create-operator", "--name", "Dawa"], { env });
    const path = env.LEDGER_DATABASE as string;
    const digest = () => createHash("sha256").update(readFileSync(path)).digest("hex");
    const before = digest();
    const ok = JSON.parse((await run(TSX, ["src/runtime/cli.ts", "verify"], { env })).stdout);
    expect(ok).toMatchObject({ ok: true });
    expect(digest()).toBe(before);

    // A ledger one migration behind: verify says to migrate, and migrates nothing itself.
    const raw = new Database(path);
    const last = (raw.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number }).v;
    raw.prepare("DELETE FROM schema_migrations WHERE version = ?").run(last);
    raw.close();
    const old = digest();
    const behind = await run(TSX, ["src/runtime/cli.ts", "verify"], { env }).catch((error) => error);
    expect(behind.code).toBe(1);
    expect(behind.stderr).toContain(
      `at schema version ${last - 1} and this code reads version ${last}: run \`npm run cli -- migrate\``,
    );
    expect(digest()).toBe(old);
  }, 30_000);

  it("verify checks a copy of a live ledger, its -wal beside it, in a folder no one may write", async (context) => {
    const env = freshEnv();
    const source = env.LEDGER_DATABASE as string;
    await run(TSX, ["src/runtime/cli.ts", "migrate"], { env });
    await run(TSX, ["src/runtime/cli.ts", "create-operator", "--name", "Dawa"], { env });
    // A connection held open keeps the next writes in the -wal file, as on a running service.
    const holder = new Database(source);
    holder.prepare("SELECT 1").get();
    await run(TSX, ["src/runtime/cli.ts", "create-operator", "--name", "Pema"], { env });
    const folder = mkdtempSync(join(tmpdir(), "ledger-copy-"));
    const copy = join(folder, "ledger.sqlite");
    copyFileSync(source, copy);
    copyFileSync(`${source}-wal`, `${copy}-wal`);
    holder.close();
    expect(statSync(`${copy}-wal`).size).toBeGreaterThan(0);
    const expected = JSON.parse((await run(TSX, ["src/runtime/cli.ts", "verify"], { env })).stdout).head;
    // Root writes wherever permissions say it may not; the immutable attribute stops it too.
    const asRoot = process.getuid?.() === 0;
    const lock = asRoot ? () => run("chattr", ["+i", folder]) : async () => chmodSync(folder, 0o555);
    const unlock = asRoot ? () => run("chattr", ["-i", folder]) : async () => chmodSync(folder, 0o700);
    try {
      await lock();
    } catch {
      context.skip("this machine cannot make a folder read-only for root");
    }
    try {
      const copyEnv = { ...env, LEDGER_DATABASE: copy };
      const report = JSON.parse((await run(TSX, ["src/runtime/cli.ts", "verify"], { env: copyEnv })).stdout);
      expect(report).toMatchObject({ ok: true });
      // The -wal's transactions were read: the second operator is in the head.
      expect(report.head).toEqual(expected);
      expect(readdirSync(folder).sort()).toEqual(["ledger.sqlite", "ledger.sqlite-wal"]);
    } finally {
      await unlock();
    }
  }, 30_000);

  it.skipIf(writableByUs("/proc/sys"))("refuses to start on a folder it cannot write, saying so", async () => {
    const env = { ...freshEnv(), LEDGER_DATABASE: "/proc/sys/ledger.sqlite" };
    const failed = await run(TSX, ["src/runtime/node.ts"], { env }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^the ledger's database \/proc\/sys\/ledger\.sqlite cannot be written \(E[A-Z]+: its folder/,
    );
  });

  it("the command line: --help answers (exit 0), unknown commands and flags are named with the usage (exit 2), no stack traces", async () => {
    const env = freshEnv();
    const cli = (args: string[]) => run(TSX, ["src/runtime/cli.ts", ...args], { env }).catch((error) => error);
    const help = await cli(["--help"]);
    expect(help.code ?? 0).toBe(0);
    for (const command of ["migrate", "verify", "verify-bulletin", "backup", "restore", "rotate-bulletin-key"]) {
      expect(help.stdout).toContain(command);
    }
    const verifyHelp = await cli(["verify", "--help"]);
    expect(verifyHelp.code ?? 0).toBe(0);
    expect(verifyHelp.stdout).toContain("--bulletin");
    const cases: [string[], RegExp][] = [
      [["nonsense"], /unknown command 'nonsense'/],
      [["verify", "--nope"], /unknown option '--nope'/],
      [["backup"], /missing required argument 'file'/],
      [["revoke-key", "--key"], /option '--key <keyId>' argument missing/],
      [[], /Usage: npm run cli --/],
    ];
    for (const [args, message] of cases) {
      const refused = await cli(args);
      expect(refused.code, args.join(" ")).toBe(2);
      expect(refused.stderr).toMatch(message);
      expect(refused.stderr).not.toMatch(/ at .*\.(ts|js):\d+/);
    }
    // --database as well as LEDGER_DATABASE, and a missing file is refused, not created.
    const elsewhere = join(mkdtempSync(join(tmpdir(), "ledger-cli-")), "other.sqlite");
    const missing = await cli(["--database", elsewhere, "verify"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no ledger at ${elsewhere}`);
    expect(existsSync(elsewhere)).toBe(false);
    expect((await cli(["--database", elsewhere, "migrate"])).code ?? 0).toBe(0);
    expect(existsSync(elsewhere)).toBe(true);
  }, 60_000);

  it("create-operator without a name explains itself", async () => {
    await expect(run(TSX, ["src/runtime/cli.ts", "create-operator"], { env: freshEnv() })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--name"),
    });
  });
});
