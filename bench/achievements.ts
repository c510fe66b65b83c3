import { mkdtempSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { openSqlite } from "../db/dialects/sqlite.ts";
import { migrate } from "../db/migrate.ts";
import { memoryVault } from "../src/crypto/key-vault.ts";
import {
  type AchievementRecord,
  achievementEntryFor,
  achievementNumber,
} from "../src/domain/achievements/achievement.ts";
import { chainEvents, type EventDraft } from "../src/domain/ledger/audit-chain.ts";
import { createApiKey } from "../src/domain/organizations/create-api-key.ts";
import { createOperator } from "../src/domain/organizations/create-operator.ts";
import { createOrganization } from "../src/domain/organizations/create-organization.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { buildDeps } from "../src/runtime/deps.ts";
import { syntheticAchievements } from "../src/runtime/synthetic-achievements.ts";
import { creditCode } from "../src/runtime/synthetic-history.ts";
import { hasTaskset, startServer, stop, token } from "./processes.ts";
import { writeSection } from "./sections.ts";
import { sequentialLatencyInChild } from "./sequential.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 3)) || 3);
const CATALOGUE = Number(process.env.BENCH_CATALOGUE ?? 100_000);
const QUERIES = [
  ["two characters", "青稞"],
  ["three characters", "牦牛乳"],
  ["four characters", "质量标准"],
  ["an English word", "plateau"],
] as const;

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
  console.log(
    `${r.name.padEnd(64)} ${String(r.requestsPerSecond).padStart(7)} req/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)} ms`,
  );
  return r;
};

/** The service on a ledger file, as `npm start` runs it. */
function serveLedger(database: string, port: number) {
  return startServer(["src/runtime/node.ts"], { LEDGER_DATABASE: database, LEDGER_LOG: "off", PORT: String(port) });
}

/** A ledger with an operator, a university and an enterprise member (keys returned), and `count` registered achievements. */
async function prepare(path: string, count: number) {
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
  const members = [];
  for (const [i, kind] of (["university", "enterprise"] as const).entries()) {
    const org = await createOrganization(deps, {
      caller: operator,
      name: `Bench ${kind}`,
      kind,
      creditCode: creditCode(950 + i, "540102"),
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
  const university = members[0] as (typeof members)[number];
  // Registered achievements through the store's own atomic write (rows, search index and rollups
  // as every write makes them), a thousand events at a time, chained from the head.
  const synthetic = syntheticAchievements(Math.min(count, 5000), 99);
  const serials = new Map<string, number>();
  const actor = { keyId: one.keyId, holder: one.holder, organizationId: one.organizationId };
  let drafts: EventDraft[] = [];
  const flush = async () => {
    const head = await deps.store.auditHead();
    await deps.store.commit({ events: chainEvents(head, drafts, actor, "2025-06-01T02:00:00.000Z"), changes: [] });
    drafts = [];
  };
  for (let i = 0; i < count; i++) {
    const s = synthetic[i % synthetic.length] as (typeof synthetic)[number];
    const year = 2021 + (i % 5);
    const key = `${year}${s.kind}`;
    const serial = (serials.get(key) ?? 0) + 1;
    serials.set(key, serial);
    if (serial > 9999) continue;
    const record: AchievementRecord = {
      id: `ach_bench${String(i).padStart(8, "0")}`,
      status: "registered",
      title: `${s.title}${i}`,
      kind: s.kind as AchievementRecord["kind"],
      completingOrganizations: [
        {
          organizationId: university.id,
          name: university.name,
          creditCode: university.creditCode,
          kind: "university",
          regionCode: "540102",
        },
      ],
      completers: s.completers.map((name) => ({ name, organizationIndex: 0 })),
      researchStartedIn: "2019-01",
      researchEndedIn: "2020-12",
      techField: s.techField as AchievementRecord["techField"],
      stage: s.stage as AchievementRecord["stage"],
      evaluation: s.evaluation as AchievementRecord["evaluation"],
      keywords: s.keywords,
      abstract: `${s.abstract} Results for plateau conditions.`,
      ipRights: s.patentNumber ? [{ type: "patent", number: s.patentNumber }] : [],
      transferModes: s.transferModes as AchievementRecord["transferModes"],
      askingPriceFen: null,
      submittedAt: "2025-05-01T02:00:00.000Z",
      submittedByOrganizationId: university.id,
      submittedByKeyId: one.keyId,
      submittedByHolder: "bench",
      decisionReason: null,
      registrationYear: year,
      registrationSerial: serial,
      registrationNumber: achievementNumber("LSA", year, s.kind as AchievementRecord["kind"], serial),
      registeredOn: `${year}-06-01`,
      withdrawnOn: null,
      withdrawalReason: null,
      conversion: { contractIds: [], totalFen: 0, technologyFen: 0 },
      revision: 2,
      updatedAt: "2025-06-01T02:00:00.000Z",
    };
    const entry = achievementEntryFor(
      record,
      "registration",
      `ae_bench${String(i).padStart(8, "0")}`,
      record.updatedAt,
    );
    drafts.push(
      { action: "achievement.registered", subjectType: "achievement", subjectId: record.id, state: record },
      { action: "achievement_entry.recorded", subjectType: "achievement_entry", subjectId: entry.id, state: entry },
    );
    if (drafts.length >= 1000) await flush();
  }
  if (drafts.length > 0) await flush();
  await database.close();
  return { operatorKey: one.apiKey, university: members[0], enterprise: members[1] } as {
    operatorKey: string;
    university: { id: string; apiKey: string };
    enterprise: { id: string; apiKey: string };
  };
}

async function throughput(name: string, options: autocannon.Options) {
  if (!options.amount) await autocannon({ ...options, duration: 1, connections: 10 });
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
  const dir = mkdtempSync(join(tmpdir(), "ledger-bench-achievements-"));
  const started = new Date();
  const targets: [string, string, string, boolean][] = [];

  // 1. Catalogue search at 1,000 and at CATALOGUE registered achievements, one request at a time.
  const sizes = [1000, CATALOGUE];
  const servers = [];
  for (const [i, size] of sizes.entries()) {
    const path = join(dir, `catalogue-${size}.sqlite`);
    const t0 = performance.now();
    await prepare(path, size);
    console.log(`loaded ${size} registered achievements in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    servers.push({ size, ...(await serveLedger(path, 3911 + i)) });
  }
  const p99: Record<string, number[]> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [label, q] of QUERIES) {
      for (const s of round % 2 ? servers : [...servers].reverse()) {
        const run = await sequentialLatencyInChild(
          `${s.url}/v1/achievements?q=${encodeURIComponent(q)}&limit=20`,
          SECONDS / 2,
        );
        log({
          name: `catalogue q=${q} (${label}), ${s.size.toLocaleString("en")} achievements, round ${round}`,
          ...run,
        });
        const key = `${q}|${s.size}`;
        p99[key] = [...(p99[key] ?? []), run.p99];
      }
    }
  }
  for (const s of servers) await stop(s.child);
  for (const [label, q] of QUERIES) {
    const large = median(p99[`${q}|${CATALOGUE}`] ?? []);
    const small = median(p99[`${q}|1000`] ?? []);
    targets.push([
      `catalogue p99 (ms), ${label} "${q}", ${CATALOGUE.toLocaleString("en")} achievements, median round`,
      large.toFixed(2),
      "< 10",
      large < 10,
    ]);
    targets.push([
      `catalogue p99, ${label}, ${CATALOGUE.toLocaleString("en")} / 1,000`,
      (large / Math.max(small, 1e-9)).toFixed(2),
      "<= 2",
      large / small <= 2,
    ]);
  }

  // 2. Submitting and registering achievements against recording contracts, alternating rounds.
  const path = join(dir, "writes.sqlite");
  const prepared = await prepare(path, 0);
  const server = await serveLedger(path, 3920);
  const member = await token(server.url, prepared.university.apiKey);
  let n = 0;
  const contractBody = () =>
    JSON.stringify({
      title: "Benchmark contract",
      contractNumber: `BA-${n++}`,
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
  const achievementBody = () =>
    JSON.stringify({
      title: `高原青稞加工技术 ${n++}`,
      kind: "applied_technology",
      completingOrganizations: [{ organizationId: prepared.university.id }],
      completers: [{ name: "扎西", organizationIndex: 0 }],
      researchStartedIn: "2021-03",
      researchEndedIn: "2024-06",
      techField: "agriculture",
      stage: "mature",
      evaluation: "domestic_leading",
      keywords: ["青稞", "加工"],
      abstract: "以西藏高原青稞为原料，建立加工工艺。",
      ipRights: [{ type: "patent", number: "ZL202110123456.7" }],
      transferModes: ["license"],
    });
  const post = (p: string, auth: string, body: () => string, url = server.url): autocannon.Options => ({
    url,
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
  for (let round = 1; round <= ROUNDS; round++) {
    // Each side goes first in every other round: this machine's speed drifts within minutes.
    const recordContract = () =>
      throughput(`record-contract POST, round ${round}`, post("/v1/contracts", member, contractBody));
    const submit = () =>
      throughput(`submit-achievement POST, round ${round}`, post("/v1/achievements", member, achievementBody));
    let contract: Row;
    let achievement: Row;
    if (round % 2) {
      contract = await recordContract();
      achievement = await submit();
    } else {
      achievement = await submit();
      contract = await recordContract();
    }
    ratios.push(achievement.requestsPerSecond / contract.requestsPerSecond);
  }
  await stop(server.child);
  const submitted = openSqlite(path);
  const ids = (
    await submitted.db.selectFrom("achievements").select("id").where("status", "=", "submitted").orderBy("id").execute()
  ).map((r) => r.id);
  await submitted.close();
  const again = await serveLedger(path, 3921);
  const op2 = await token(again.url, prepared.operatorKey);
  let next = 0;
  const decisions = Math.min(ids.length, 10_000);
  const register = await throughput("register-achievement decision POST", {
    url: again.url,
    amount: decisions,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${op2}` },
        setupRequest: (req) => ({
          ...req,
          path: `/v1/achievements/${ids[next++ % ids.length]}/decisions`,
          body: '{"decision":"register"}',
        }),
      },
    ],
  });
  const contractAgain = await throughput(
    "record-contract POST, beside the register decisions",
    post("/v1/contracts", await token(again.url, prepared.university.apiKey), contractBody, again.url),
  );
  await stop(again.child);
  const submitRatio = median(ratios);
  targets.push([
    `submit-achievement / record-contract throughput, median of ${ROUNDS} rounds`,
    submitRatio.toFixed(2),
    ">= 0.8",
    submitRatio >= 0.8,
  ]);
  const registerRatio =
    contractAgain.requestsPerSecond > 0 ? register.requestsPerSecond / contractAgain.requestsPerSecond : 0;
  targets.push([
    "register-achievement decision / record-contract throughput (measured next to each other)",
    registerRatio.toFixed(2),
    ">= 0.8",
    registerRatio >= 0.8 && register.non2xx === 0 && contractAgain.non2xx === 0,
  ]);

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const section = [
    "## Achievements (bench/achievements.ts)",
    "",
    `- Run: ${started.toISOString()}, \`npm run bench\` (or \`tsx bench/achievements.ts\`), ${SECONDS} s per write measurement, ${SECONDS / 2} s per search query, ${ROUNDS} alternating rounds`,
    `- Machine: ${machine}${hasTaskset ? "; server pinned to core 0, load generator to core 1" : ""}`,
    `- Catalogue: ${CATALOGUE.toLocaleString("en")} and 1,000 registered achievements (synthetic, bench/achievements.ts), written through the store's own atomic write; searches one request at a time (bench/sequential.ts), 20 results a page`,
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
  ].join("\n");
  writeSection(section);
  console.log("\nwrote the achievements section of BENCHMARKS.md");
  for (const [name, value, target, met] of targets)
    console.log(`${met ? "met    " : "NOT MET"} ${name}: ${value} (${target})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
