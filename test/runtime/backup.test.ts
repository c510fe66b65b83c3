import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { validCreditCode } from "../support/app.ts";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => run(TSX, ["src/runtime/cli.ts", ...args], { env });
const failing = (env: NodeJS.ProcessEnv, ...args: string[]) => cli(env, ...args).catch((error) => error);

function envAt(dir: string) {
  return { ...process.env, LEDGER_DATABASE: join(dir, "ledger.sqlite"), LEDGER_LOG: "off", PORT: "0" };
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** The backup drill: back up under a write load, restore, verify; the restored head is the one the backup reported. */
describe("backup and restore", () => {
  it("backs up online under a write load; the restore verifies and holds exactly the reported head", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ledger-backup-"));
    const env = envAt(dir);
    await cli(env, "migrate");
    const operator = JSON.parse((await cli(env, "create-operator", "--name", "Dawa")).stdout);
    const child = spawn(process.execPath, ["--import", "tsx", "src/runtime/node.ts"], {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    try {
      const token = (
        await (
          await fetch(`${url}/v1/auth/token`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ apiKey: operator.apiKey }),
          })
        ).json()
      ).accessToken;
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      let stop = false;
      let written = 0;
      let serial = 0;
      const post = (body: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            `${url}/v1/organizations`,
            {
              method: "POST",
              agent,
              headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            },
            (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode ?? 0));
            },
          );
          req.on("error", reject);
          req.end(body);
        });
      const writer = async () => {
        while (!stop) {
          const n = ++serial;
          const body = {
            name: `Backup ${n}`,
            kind: "enterprise",
            creditCode: validCreditCode(n + 7000),
            regionCode: "540102",
          };
          if ((await post(JSON.stringify(body))) === 201) written++;
        }
      };
      const writers = Array.from({ length: 4 }, writer);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const atStart = written;
      const backupPath = join(dir, "backup.sqlite");
      const reported = JSON.parse((await cli(env, "backup", backupPath)).stdout);
      const atEnd = written;
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop = true;
      await Promise.all(writers);
      agent.destroy();
      // The load ran before, during and after the backup.
      expect(atStart).toBeGreaterThan(0);
      expect(written).toBeGreaterThan(atEnd);
      expect(reported.head.seq).toBeGreaterThan(1);
      expect(mode(backupPath)).toBe(0o600);
      expect(existsSync(`${backupPath}-wal`)).toBe(false);

      // The backup is the ledger as it was at one commit: the original has the same event there.
      const original = new Database(env.LEDGER_DATABASE, { readonly: true });
      const same = original.prepare("SELECT hash FROM audit_events WHERE seq = ?").get(reported.head.seq) as {
        hash: string;
      };
      original.close();
      expect(same.hash).toBe(reported.head.hash);

      // A backup never replaces a file.
      const again = await failing(env, "backup", backupPath);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists: a backup never replaces a file/);

      // Restored elsewhere: verified, 0600, and its head is the one reported.
      const elsewhere = envAt(mkdtempSync(join(tmpdir(), "ledger-restore-")));
      const restored = JSON.parse((await cli(elsewhere, "restore", backupPath)).stdout);
      expect(restored.head).toEqual(reported.head);
      expect(restored.previous).toBeNull();
      expect(mode(elsewhere.LEDGER_DATABASE)).toBe(0o600);
      const verified = JSON.parse((await cli(elsewhere, "verify")).stdout);
      expect(verified).toMatchObject({ ok: true, checked: reported.head.seq });

      // A tampered backup is refused, and the ledger it would replace stays as it was.
      const tampered = join(dir, "tampered.sqlite");
      copyFileSync(backupPath, tampered);
      const raw = new Database(tampered);
      raw
        .prepare("UPDATE organizations SET name = 'Forged' WHERE rowid = (SELECT max(rowid) FROM organizations)")
        .run();
      raw.close();
      const before = readFileSync(elsewhere.LEDGER_DATABASE);
      const refused = await failing(elsewhere, "restore", tampered);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/fails verification: not restored/);
      expect(readFileSync(elsewhere.LEDGER_DATABASE).equals(before)).toBe(true);

      // Restoring over a ledger keeps the one it replaces.
      const over = JSON.parse((await cli(elsewhere, "restore", backupPath)).stdout);
      expect(over.previous).toMatch(/ledger\.sqlite\.before-restore-/);
      expect(existsSync(over.previous)).toBe(true);
    } finally {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }, 60_000);

  it("names what is wrong: no file, no ledger, a missing FILE argument", async () => {
    const env = envAt(mkdtempSync(join(tmpdir(), "ledger-backup-")));
    const noFile = await failing(env, "backup");
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/missing required argument .file./);
    const noLedger = await failing(env, "backup", join(tmpdir(), "never.sqlite"));
    expect(noLedger.code).toBe(1);
    expect(noLedger.stderr).toMatch(/^no ledger at /);
    const noBackup = await failing(env, "restore", join(tmpdir(), "no-such-backup.sqlite"));
    expect(noBackup.code).toBe(1);
    expect(noBackup.stderr).toMatch(/^no backup at /);
  }, 30_000);
});
