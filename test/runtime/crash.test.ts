import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual, promisify } from "node:util";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { validCreditCode } from "../support/app.ts";
import { contractBody } from "../support/contracts.ts";
import { jsonRequest, killHard, type RunningServer, readAll, startServer } from "../support/server-process.ts";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
/** `npm test` kills the service 10 times, `npm run soak` 100. */
const CYCLES = Number(process.env.CRASH_CYCLES ?? 10);
const CLIENTS = 8;

/** `overdue` is read against today's date, not written: everything else a write answered is stored. */
const stored = ({ overdue: _overdue, ...rest }: any) => rest;
/** What a registration leaves as the recording answered it. */
const unchangedByRegistration = ({
  overdue: _overdue,
  status: _status,
  approvals: _approvals,
  decisionReason: _decisionReason,
  registrationNumber: _registrationNumber,
  registeredOn: _registeredOn,
  reviewDueOn: _reviewDueOn,
  revision: _revision,
  updatedAt: _updatedAt,
  ...rest
}: any) => rest;

/** Registration numbers by year: every serial from 1 to the highest, each once. */
function expectGapFree(numbers: string[], where: string) {
  const byYear = new Map<string, number[]>();
  for (const number of numbers) {
    expect(number, where).toMatch(/^\d{16}$/);
    const year = number.slice(0, 4);
    byYear.set(year, [...(byYear.get(year) ?? []), Number(number.slice(10))]);
  }
  for (const [year, serials] of byYear) {
    serials.sort((a, b) => a - b);
    expect(serials, `${where}: the ${year} serials`).toEqual(Array.from({ length: serials.length }, (_, i) => i + 1));
  }
}

describe("the Node service killed with SIGKILL under write load", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    if (server) await killHard(server);
  });

  it(
    `keeps every acknowledged write over ${CYCLES} kills: present and identical, numbers gap-free, verification ok`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "ledger-crash-"));
      const env = {
        ...process.env,
        LEDGER_DATABASE: join(dir, "ledger.sqlite"),
        LEDGER_LOG: "off",
        PORT: "0",
        LEDGER_RATE_LIMIT_STATISTICS: "0",
        LEDGER_RATE_LIMIT_TOKENS: "0",
        LEDGER_RATE_LIMIT_KEY_FAILURES: "0",
        // Tokens outlive restarts (the signing key is in a file); a long soak must not outlive them.
        LEDGER_TOKEN_TTL_SECONDS: "86400",
      };
      const cli = async (...args: string[]) => (await run(TSX, ["src/runtime/cli.ts", ...args], { env })).stdout;
      await cli("migrate");
      // Separation of duties: the registrar creates the members and issues their keys, the reviewer registers.
      const registrar = JSON.parse(await cli("create-operator", "--name", "Key Registrar"));
      const reviewer = JSON.parse(await cli("create-operator", "--name", "Reviewer"));

      // Acknowledged writes by contract id: the last answer (or, once a restart has resolved an
      // unanswered registration, what was read back). Contracts still to register, registrations
      // sent but never answered (the kill came first: either outcome is allowed).
      const expected = new Map<string, any>();
      const pending: string[] = [];
      const unanswered = new Set<string>();
      const unexpected: string[] = [];
      const counts = { records: 0, registrations: 0, lost: 0, cyclesWithLoss: 0, unansweredRegistered: 0 };
      let serial = 0;
      let recent: string[] = [];
      const where = (cycle: number) => `cycle ${cycle} (ledger in ${dir})`;

      const setupAgent = new Agent({ keepAlive: true });
      server = await startServer(env);
      const tokenFor = async (url: string, apiKey: string): Promise<string> => {
        const reply = await jsonRequest(setupAgent, `${url}/v1/auth/token`, "POST", { body: { apiKey } });
        expect(reply.status, reply.text).toBe(200);
        return reply.json.accessToken;
      };
      registrar.token = await tokenFor(server.url, registrar.apiKey);
      reviewer.token = await tokenFor(server.url, reviewer.apiKey);
      const members: { organizationId: string; token: string }[] = [];
      for (const [n, kind] of [
        [1, "university"],
        [2, "enterprise"],
      ] as const) {
        const org = await jsonRequest(setupAgent, `${server.url}/v1/organizations`, "POST", {
          token: registrar.token,
          body: { name: `Crash Member ${n}`, kind, creditCode: validCreditCode(n), regionCode: "540102" },
        });
        expect(org.status, org.text).toBe(201);
        const key = await jsonRequest(setupAgent, `${server.url}/v1/organizations/${org.json.id}/api-keys`, "POST", {
          token: registrar.token,
          body: { holder: "Contracts office" },
        });
        expect(key.status, key.text).toBe(201);
        members.push({ organizationId: org.json.id, token: await tokenFor(server.url, key.json.apiKey) });
      }
      setupAgent.destroy();

      const writeThenKill = async (running: RunningServer, cycle: number, ms: number) => {
        const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
        let killed = false;
        let lost = 0;
        const register = async (id: string) => {
          unanswered.add(id);
          const reply = await jsonRequest(agent, `${running.url}/v1/contracts/${id}/decisions`, "POST", {
            token: reviewer.token,
            body: { decision: "register" },
          });
          return () => {
            const before = unchangedByRegistration(expected.get(id));
            if (reply.status !== 200 || reply.json?.status !== "registered") {
              unexpected.push(`${where(cycle)}: register ${id}: ${reply.status} ${reply.text}`);
            } else if (!isDeepStrictEqual(unchangedByRegistration(reply.json), before)) {
              unexpected.push(`${where(cycle)}: register ${id} changed the recorded contract: ${reply.text}`);
            } else {
              unanswered.delete(id);
              expected.set(id, reply.json);
              recent.push(id);
              counts.registrations++;
            }
          };
        };
        const record = async () => {
          const seller = Math.random() < 0.5 ? 0 : 1;
          const [own, other] = seller === 0 ? members : [...members].reverse();
          const body = contractBody(own?.organizationId as string, other?.organizationId as string, {
            contractNumber: `CR-${cycle}-${++serial}`,
          });
          const reply = await jsonRequest(agent, `${running.url}/v1/contracts`, "POST", {
            token: own?.token as string,
            body,
          });
          return () => {
            if (reply.status !== 201 || reply.json?.status !== "submitted") {
              unexpected.push(`${where(cycle)}: record ${body.contractNumber}: ${reply.status} ${reply.text}`);
            } else if (reply.json.contractNumber !== body.contractNumber || reply.json.totalAmount !== "1250000.50") {
              unexpected.push(`${where(cycle)}: record ${body.contractNumber} answered ${reply.text}`);
            } else {
              expected.set(reply.json.id, reply.json);
              pending.push(reply.json.id);
              recent.push(reply.json.id);
              counts.records++;
            }
          };
        };
        const client = async () => {
          while (!killed) {
            const id = Math.random() < 0.5 ? pending.shift() : undefined;
            let acknowledge: () => void;
            try {
              acknowledge = await (id ? register(id) : record());
            } catch (error) {
              // In flight at the kill: unacknowledged, committed or not.
              if (!killed) unexpected.push(`${where(cycle)}: ${error}`);
              lost++;
              return;
            }
            acknowledge();
          }
        };
        const clients = Array.from({ length: CLIENTS }, client);
        await sleep(ms);
        killed = true;
        const alive = running.child.exitCode === null && running.child.signalCode === null;
        await killHard(running);
        await Promise.all(clients);
        if (!alive) unexpected.push(`${where(cycle)}: the service exited by itself:\n${running.output()}`);
        agent.destroy();
        counts.lost += lost;
        if (lost > 0) counts.cyclesWithLoss++;
      };

      // After each restart: what the last cycle acknowledged, and the registrations it left
      // unanswered, one by one. Every acknowledged write and the numbers' continuity, from the list,
      // after the first ten restarts, every tenth and the last (damage to older writes stays, so it
      // is found there; checking all of them every time would make a soak grow with its square).
      const checkAfterRestart = async (running: RunningServer, cycle: number, everything: boolean) => {
        const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
        const read = async (id: string) => {
          const reply = await jsonRequest(agent, `${running.url}/v1/contracts/${id}`, "GET", { token: reviewer.token });
          expect([200, 404], `${where(cycle)}: GET ${id}: ${reply.text}`).toContain(reply.status);
          return [id, reply.status === 200 ? reply.json : undefined] as const;
        };
        const singly = new Map(await Promise.all([...new Set([...recent, ...unanswered])].map(read)));
        const listed = everything
          ? new Map(
              (await readAll(agent, running.url, "/v1/contracts", reviewer.token)).map((c) => [c.id as string, c]),
            )
          : singly;
        if (everything) {
          for (const [id, got] of singly)
            expect(got, `${where(cycle)}: GET ${id} and the list`).toEqual(listed.get(id));
        }
        for (const id of everything ? [...expected.keys()] : [...singly.keys()]) {
          const want = expected.get(id);
          const got = listed.get(id);
          expect(got, `${where(cycle)}: ${id}, acknowledged ${want.status}, is missing`).toBeDefined();
          if (unanswered.delete(id) && got.status === "registered") {
            expect(unchangedByRegistration(got), `${where(cycle)}: ${id}`).toEqual(unchangedByRegistration(want));
            expected.set(id, got);
            counts.unansweredRegistered++;
            continue;
          }
          expect(stored(got), `${where(cycle)}: ${id}, acknowledged ${want.status}`).toEqual(stored(want));
          if (got.status === "submitted" && !pending.includes(id)) pending.push(id);
        }
        recent = [];
        if (everything) {
          expectGapFree(
            [...listed.values()].flatMap((c) => (c.registrationNumber ? [c.registrationNumber as string] : [])),
            where(cycle),
          );
        }
        agent.destroy();
      };

      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        if (cycle > 1) {
          server = await startServer(env);
          await checkAfterRestart(server, cycle, cycle <= 11 || cycle % 10 === 0);
        }
        await writeThenKill(server, cycle, 300 + Math.floor(Math.random() * 900));
        expect(unexpected, `${where(cycle)}; the service said:\n${server.output().slice(-4000)}`).toEqual([]);
      }

      server = await startServer(env);
      await checkAfterRestart(server, CYCLES + 1, true);
      const last = server;
      last.child.kill("SIGTERM");
      expect(await last.exited, last.output()).toBe(0);
      server = undefined;

      const raw = new Database(env.LEDGER_DATABASE, { readonly: true });
      const rows = raw.prepare("SELECT id, status, registration_number AS number FROM tech_contracts").all() as {
        id: string;
        status: string;
        number: string | null;
      }[];
      raw.close();
      const onDisk = new Map(rows.map((row) => [row.id, row]));
      for (const [id, want] of expected) {
        expect(onDisk.get(id), id).toMatchObject({ status: want.status, number: want.registrationNumber });
      }
      expectGapFree(
        rows.flatMap((row) => (row.number ? [row.number] : [])),
        `on disk (${dir})`,
      );

      const verified = await run(TSX, ["src/runtime/cli.ts", "verify"], { env }).catch((error) => error);
      expect(verified.code ?? 0, `${verified.stdout}${verified.stderr}`).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });

      // Not vacuous: the writes went through between kills, and the kills cut requests in flight.
      expect(counts.records).toBeGreaterThan(CYCLES * 5);
      expect(counts.registrations).toBeGreaterThan(CYCLES * 2);
      expect(counts.cyclesWithLoss).toBeGreaterThan(CYCLES / 2);
      if (process.env.CRASH_CYCLES) {
        console.log(
          `crash: ${CYCLES} kills, ${counts.records} contracts and ${counts.registrations} registrations acknowledged, ${counts.lost} requests in flight lost (of which ${rows.length - counts.records} contracts and ${counts.unansweredRegistered} registrations committed)`,
        );
      }
      rmSync(dir, { recursive: true, force: true });
    },
    15_000 + 6_000 * CYCLES,
  );
});
