import { mkdtempSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { ipRightKey } from "../contracts/ip-numbers.ts";
import { openSqlite } from "../db/dialects/sqlite.ts";
import { migrate } from "../db/migrate.ts";
import { memoryVault } from "../src/crypto/key-vault.ts";
import { chainEvents, type EventDraft } from "../src/domain/ledger/audit-chain.ts";
import { createApiKey } from "../src/domain/organizations/create-api-key.ts";
import { createOperator } from "../src/domain/organizations/create-operator.ts";
import { createOrganization } from "../src/domain/organizations/create-organization.ts";
import { type PledgeRecord, pledgeEntryFor, pledgeNumber } from "../src/domain/pledges/pledge.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { buildDeps } from "../src/runtime/deps.ts";
import { creditCode } from "../src/runtime/synthetic-history.ts";
import { hasTaskset, startServer, stop, token } from "./processes.ts";
import { writeSection } from "./sections.ts";
import { sequentialLatencyInChild } from "./sequential.ts";

/**
 * `tsx bench/pledges.ts`: the public right lookup at 1,000 and RIGHTS pledged rights (one request
 * at a time), and recording a pledge of 10 rights against recording a contract, in alternating rounds.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 3)) || 3);
const RIGHTS = Number(process.env.BENCH_RIGHTS ?? 100_000);
const PER_PLEDGE = 10;

interface Row {
  name: string;
  requestsPerSecond: number;
  mean: number;
  p50: number;
  p99: number;
  non2xx: number;
}
const rows: Row[] = [];
const log = (r: Row) => {
  rows.push(r);
  console.log(`${r.name.padEnd(64)} ${String(r.requestsPerSecond).padStart(7)} req/s  p99 ${r.p99.toFixed(3)} ms`);
  return r;
};

const serveLedger = (database: string, port: number) =>
  startServer(["src/runtime/node.ts"], { LEDGER_DATABASE: database, LEDGER_LOG: "off", PORT: String(port) });

const trademark = (n: number) => String(10_000_000 + n);

/** A ledger with an operator, a university, an enterprise and a bank (keys returned), and `rights` rights under registered pledges. */
async function prepare(path: string, rights: number) {
  const database = openSqlite(path);
  await migrate(database);
  const deps = await buildDeps(database, parseConfig({}), { vault: memoryVault() });
  const one = await createOperator(deps, "Bench Operator");
  const operator = {
    role: "operator" as const,
    keyId: one.keyId,
    holder: one.holder,
    organizationId: one.organizationId,
    organizationKind: "other" as const,
  };
  const members: { id: string; name: string; creditCode: string; apiKey: string }[] = [];
  for (const [i, kind] of (["university", "enterprise", "bank"] as const).entries()) {
    const org = await createOrganization(deps, {
      caller: operator,
      name: `Bench ${kind}`,
      kind,
      creditCode: creditCode(960 + i, "540102"),
      regionCode: "540102",
    });
    if (org.kind !== "done") throw new Error("unexpected replay");
    const key = await createApiKey(deps, { caller: operator, organizationId: org.result.id, holder: "bench" });
    if (key.kind !== "done") throw new Error("unexpected replay");
    members.push({
      id: org.result.id,
      name: org.result.name,
      creditCode: org.result.creditCode ?? "",
      apiKey: key.result.apiKey,
    });
  }
  const [university, enterprise, bank] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
  // Registered pledges through the store's own atomic write (rows, held rights and rollups as
  // every write makes them), a thousand events at a time, chained from the head.
  const actor = { keyId: one.keyId, holder: one.holder, organizationId: one.organizationId };
  let drafts: EventDraft[] = [];
  const flush = async () => {
    const head = await deps.store.auditHead();
    await deps.store.commit({ events: chainEvents(head, drafts, actor, "2025-06-01T02:00:00.000Z"), changes: [] });
    drafts = [];
  };
  for (let i = 0; i < rights / PER_PLEDGE; i++) {
    const record: PledgeRecord = {
      id: `plg_bench${String(i).padStart(8, "0")}`,
      status: "registered",
      pledgor: {
        organizationId: enterprise.id,
        name: enterprise.name,
        creditCode: enterprise.creditCode,
        kind: "enterprise",
        regionCode: "540102",
      },
      pledgeeOrganizationId: bank.id,
      pledgeeName: bank.name,
      rights: Array.from({ length: PER_PLEDGE }, (_, j) => {
        const number = trademark(i * PER_PLEDGE + j);
        return { type: "trademark" as const, number, title: "雪域青稞", key: ipRightKey("trademark", number) };
      }),
      securedFen: 500_000_000,
      termStart: "2025-06-01",
      termEnd: "2027-05-31",
      contractNumber: `ZYDK-${i}`,
      submittedAt: "2025-05-30T02:00:00.000Z",
      submittedByOrganizationId: bank.id,
      submittedByKeyId: one.keyId,
      submittedByHolder: "bench",
      decisionReason: null,
      registrationYear: 2025,
      registrationSerial: i + 1,
      registrationNumber: pledgeNumber(2025, "540100", i + 1),
      registeredOn: "2025-06-01",
      version: 1,
      versionRegisteredOn: "2025-06-01",
      pendingChange: null,
      changes: [],
      releasedOn: null,
      releaseReason: null,
      revision: 2,
      updatedAt: "2025-06-01T02:00:00.000Z",
    };
    const entry = pledgeEntryFor(
      record,
      record,
      "registration",
      `pe_bench${String(i).padStart(8, "0")}`,
      "2025-06-01",
      record.updatedAt,
    );
    drafts.push(
      { action: "pledge.registered", subjectType: "pledge", subjectId: record.id, state: record },
      { action: "pledge_entry.recorded", subjectType: "pledge_entry", subjectId: entry.id, state: entry },
    );
    if (drafts.length >= 1000) await flush();
  }
  if (drafts.length > 0) await flush();
  await database.close();
  return { university, enterprise, bank };
}

async function throughput(name: string, options: autocannon.Options) {
  await autocannon({ ...options, duration: 1, connections: 10 });
  const r = await autocannon({ duration: SECONDS, ...options, connections: 10 });
  return log({
    name,
    requestsPerSecond: Math.round(r.requests.average),
    mean: r.latency.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-pledges-"));
  const started = new Date();
  const targets: [string, string, string, boolean][] = [];

  // 1. The public right lookup at 1,000 and RIGHTS pledged rights, one request at a time.
  const sizes = [1000, RIGHTS];
  const servers = [];
  for (const [i, size] of sizes.entries()) {
    const path = join(dir, `rights-${size}.sqlite`);
    const t0 = performance.now();
    await prepare(path, size);
    console.log(`loaded ${size} pledged rights in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    servers.push({ size, ...(await serveLedger(path, 3931 + i)) });
  }
  const p99: Record<number, number[]> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of round % 2 ? servers : [...servers].reverse()) {
      const run = await sequentialLatencyInChild(
        `${s.url}/v1/pledges/rights/trademark/${trademark(Math.floor(s.size / 2))}`,
        SECONDS / 2,
      );
      log({
        name: `right lookup, ${s.size.toLocaleString("en")} pledged rights, 1 connection, round ${round}`,
        ...run,
      });
      p99[s.size] = [...(p99[s.size] ?? []), run.p99];
    }
  }
  for (const s of servers) await stop(s.child);
  const large = median(p99[RIGHTS] ?? []);
  const small = median(p99[1000] ?? []);
  targets.push([
    `right lookup p99 (ms), ${RIGHTS.toLocaleString("en")} pledged rights, median round`,
    large.toFixed(2),
    "< 2",
    large < 2,
  ]);
  targets.push([
    `right lookup p99, ${RIGHTS.toLocaleString("en")} / 1,000`,
    (large / small).toFixed(2),
    "<= 1.5",
    large / small <= 1.5,
  ]);

  // 2. Recording a pledge of 10 rights against recording a contract, alternating rounds.
  const path = join(dir, "writes.sqlite");
  const prepared = await prepare(path, 0);
  const server = await serveLedger(path, 3940);
  const university = await token(server.url, prepared.university.apiKey);
  const bank = await token(server.url, prepared.bank.apiKey);
  let n = 0;
  let right = 5_000_000;
  const contractBody = () =>
    JSON.stringify({
      title: "Benchmark contract",
      contractNumber: `BP-${n++}`,
      type: "development",
      subType: "commissioned",
      seller: { organizationId: prepared.university.id },
      buyer: { organizationId: prepared.enterprise.id },
      signedOn: "2025-05-20",
      validFrom: "2025-06-01",
      validTo: "2026-05-31",
      totalAmount: "1250000.50",
      technologyAmount: "1000000",
      techField: "agriculture",
      ipType: "patent",
    });
  const pledgeBody = () =>
    JSON.stringify({
      pledgor: { organizationId: prepared.enterprise.id },
      pledgeeOrganizationId: prepared.bank.id,
      rights: Array.from({ length: PER_PLEDGE }, () => ({
        type: "trademark",
        number: trademark(right++),
        title: "雪域青稞",
      })),
      securedAmount: "5000000",
      termStart: "2025-06-01",
      termEnd: "2027-05-31",
      contractNumber: `ZYDK-B-${n++}`,
    });
  const post = (p: string, auth: string, body: () => string): autocannon.Options => ({
    url: server.url,
    requests: [
      {
        method: "POST",
        path: p,
        headers: { "content-type": "application/json", authorization: `Bearer ${auth}` },
        setupRequest: (req) => ({ ...req, body: body() }),
      },
    ],
  });
  const ratios: number[] = [];
  let refused = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const recordContract = () =>
      throughput(`record-contract POST, round ${round}`, post("/v1/contracts", university, contractBody));
    const recordPledge = () =>
      throughput(`record-pledge POST (10 rights), round ${round}`, post("/v1/pledges", bank, pledgeBody));
    const [first, second] =
      round % 2 ? [await recordContract(), await recordPledge()] : [await recordPledge(), await recordContract()];
    const [contract, pledge] = round % 2 ? [first, second] : [second, first];
    refused += contract.non2xx + pledge.non2xx;
    ratios.push(pledge.requestsPerSecond / contract.requestsPerSecond);
  }
  await stop(server.child);
  const ratio = median(ratios);
  targets.push([
    `record-pledge (10 rights) / record-contract throughput, median of ${ROUNDS} rounds`,
    ratio.toFixed(2),
    ">= 0.8",
    ratio >= 0.8 && refused === 0,
  ]);

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  writeSection(
    [
      "## IP pledges (bench/pledges.ts)",
      "",
      `- Run: ${started.toISOString()}, \`npm run bench\` (or \`tsx bench/pledges.ts\`), ${SECONDS} s per write measurement, ${SECONDS / 2} s per lookup, ${ROUNDS} alternating rounds`,
      `- Machine: ${machine}${hasTaskset ? "; server pinned to core 0, load generator to core 1" : ""}`,
      `- Register: ${RIGHTS.toLocaleString("en")} and 1,000 pledged rights (registered pledges of ${PER_PLEDGE} trademarks each, written through the store's own atomic write); lookups one request at a time (bench/sequential.ts). Ratios by round: ${ratios.map((r) => r.toFixed(2)).join(", ")}`,
      "",
      "| measurement | req/s | mean ms | p50 ms | p99 ms | non-2xx |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.requestsPerSecond} | ${r.mean.toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.non2xx} |`,
      ),
      "",
      "| ratio or target | value | target | result |",
      "| --- | ---: | --- | --- |",
      ...targets.map(([name, value, target, met]) => `| ${name} | ${value} | ${target} | ${met ? "met" : "NOT met"} |`),
      "",
    ].join("\n"),
  );
  console.log("\nwrote the pledges section of BENCHMARKS.md");
  for (const [name, value, target, met] of targets)
    console.log(`${met ? "met    " : "NOT MET"} ${name}: ${value} (${target})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
