/**
 * `npm run bench` (or `tsx bench/stall.ts`): can one client flooding the heaviest public query
 * stall the service? With 100,000 registered contracts, `/healthz` is timed one request at a time
 * (bench/sequential.ts, in a child process) while this process floods a breakdown by month and all
 * seven dimensions with a different `to` each time, and the server's peak memory is read from
 * /proc. The baseline is `/healthz` on the same server with no flood, measured in the same run.
 * Two servers: with the rate limits off (so every flooding request is computed: the answer cap,
 * the yielding read and the byte-bounded cache alone must hold), and with the default limits.
 * Writes its section of BENCHMARKS.md.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { PAGE_SIZE } from "../db/dialects/sqlite.ts";
import { migrations } from "../db/migrations/index.ts";
import { loadRegisteredContracts } from "./load.ts";
import { hasTaskset, startServer, stop } from "./processes.ts";
import { writeSection } from "./sections.ts";
import { type LatencyRun, sequentialLatencyInChild } from "./sequential.ts";

const CONTRACTS = Number(process.env.BENCH_STALL_CONTRACTS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Connections the flooding client keeps busy at once. */
const FLOOD_CONNECTIONS = 4;
const DIMENSIONS = "type,techField,sellerKind,buyerKind,ipType,sellerRegion,flow";

const cacheDir = join(process.cwd(), "bench", ".cache");
mkdirSync(cacheDir, { recursive: true });
const path = join(cacheDir, `registered-${CONTRACTS}-schema${migrations.length}-page${PAGE_SIZE}.sqlite`);

/** A date in 2021-2025 for the nth request, so no two consecutive queries share a cached answer. */
const dayOf = (n: number) =>
  new Date(Date.UTC(2021, 0, 1) + ((n * 7919) % 1826) * 86_400_000).toISOString().slice(0, 10);
const floods = {
  "month x all seven dimensions, 2021-01-01 to a varying day (the issue's query)": (n: number) =>
    `/v1/statistics/contracts?groupBy=month,${DIMENSIONS}&from=2021-01-01&to=${dayOf(n)}`,
  "month x all seven dimensions, the largest answers (one to three months)": (n: number) => {
    const to = dayOf(n);
    const from = new Date(Date.parse(to) - (30 + (n % 60)) * 86_400_000).toISOString().slice(0, 10);
    return `/v1/statistics/contracts?groupBy=month,${DIMENSIONS}&from=${from}&to=${to}`;
  },
};

interface FloodRun {
  requests: number;
  statuses: Record<string, number>;
  bytes: number;
  meanMs: number;
  maxMs: number;
}

function get(url: URL, agent: Agent): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { accept: "application/json" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function flood(base: string, pathFor: (n: number) => string, until: () => boolean): Promise<FloodRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS });
  const run: FloodRun = { requests: 0, statuses: {}, bytes: 0, meanMs: 0, maxMs: 0 };
  let n = 0;
  let total = 0;
  const worker = async () => {
    while (!until()) {
      const t0 = performance.now();
      const { status, bytes } = await get(new URL(pathFor(n++), base), agent);
      const ms = performance.now() - t0;
      total += ms;
      run.maxMs = Math.max(run.maxMs, ms);
      run.requests++;
      run.bytes += bytes;
      run.statuses[status] = (run.statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, worker));
  agent.destroy();
  run.meanMs = total / Math.max(1, run.requests);
  return run;
}

/** The server's node process: the deepest descendant of the child spawned (taskset, tsx, node). */
function serverPid(pid: number): number {
  for (;;) {
    const children = existsSync(`/proc/${pid}/task/${pid}/children`)
      ? readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)
      : [];
    if (children.length === 0) return pid;
    pid = Number(children[0]);
  }
}
const memoryOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
};

async function main() {
  const started = new Date();
  if (!existsSync(path)) {
    process.stdout.write(`loading ${CONTRACTS} contracts...\n`);
    await loadRegisteredContracts(`${path}.part`, CONTRACTS);
    for (const suffix of ["", "-wal", "-shm"])
      if (existsSync(`${path}.part${suffix}`)) execFileSync("mv", [`${path}.part${suffix}`, `${path}${suffix}`]);
  }
  const rows: string[] = [];
  const targets: [string, string, string, boolean][] = [];
  for (const [setting, env] of [
    ["rate limits off", { LEDGER_RATE_LIMIT_STATISTICS: "0" }],
    ["default rate limits", {}],
  ] as const) {
    const server = await startServer(["src/runtime/node.ts"], {
      LEDGER_DATABASE: path,
      LEDGER_LOG: "off",
      PORT: "3911",
      ...env,
    });
    const pid = serverPid(server.child.pid ?? 0);
    try {
      const idle = await sequentialLatencyInChild(`${server.url}/healthz`, SECONDS);
      const idleMemory = memoryOf(pid);
      rows.push(row(`${setting}: /healthz, no flood (baseline)`, idle, null, idleMemory));
      for (const [name, pathFor] of Object.entries(floods)) {
        let done = false;
        const flooding = flood(server.url, pathFor, () => done);
        await new Promise((resolve) => setTimeout(resolve, 1000)); // the flood is under way
        const during = await sequentialLatencyInChild(`${server.url}/healthz`, SECONDS);
        done = true;
        const run = await flooding;
        const memory = memoryOf(pid);
        rows.push(row(`${setting}: /healthz while one client floods ${name}`, during, run, memory));
        targets.push([
          `${setting}, ${name}: /healthz p99 ms (baseline ${idle.p99.toFixed(2)})`,
          during.p99.toFixed(2),
          "< 50",
          during.p99 < 50,
        ]);
        targets.push([
          `${setting}, ${name}: server peak RSS MB`,
          memory.peakMb.toFixed(0),
          "< 1024",
          memory.peakMb < 1024,
        ]);
      }
    } finally {
      await stop(server.child);
    }
  }

  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const section = [
    "## A flood of the heaviest public query (bench/stall.ts)",
    "",
    `- Run: ${started.toISOString()}, \`npm run bench\` (or \`tsx bench/stall.ts\`), ${SECONDS} s per measurement`,
    `- Machine: ${machine}${hasTaskset ? "; server pinned to core 0, load generator to core 1" : ""}`,
    `- Ledger: ${CONTRACTS.toLocaleString("en")} registered contracts (bench/load.ts). The flooding client keeps ${FLOOD_CONNECTIONS} connections busy, each query with another \`to\` (never a cached answer); \`/healthz\` is timed one request at a time from a separate process. 400s are answers over 10,000 rows refused; 429s the rate limit.`,
    "- What holds it: answers over 10,000 rows refused (400); the read, the sums and the rendering yield the event loop every 4 ms (src/domain/next-turn.ts), the full cuboid read a month or a day per statement; large reads computed and rendered one at a time on better-sqlite3 (`serialReads`); the read cache bounded by bytes; rate limits per client.",
    "",
    "| measurement | /healthz req/s | p50 ms | p99 ms | flood requests | flood statuses | flood MB received | flood mean / max ms | server RSS / peak MB |",
    "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ...rows,
    "",
    "| target | value | target | result |",
    "| --- | ---: | --- | --- |",
    ...targets.map(([name, value, target, met]) => `| ${name} | ${value} | ${target} | ${met ? "met" : "NOT met"} |`),
    "",
  ].join("\n");
  writeSection(section);
  console.log(section);
}

function row(name: string, latency: LatencyRun, run: FloodRun | null, memory: { rssMb: number; peakMb: number }) {
  const statuses = run
    ? Object.entries(run.statuses)
        .map(([s, n]) => `${s}: ${n}`)
        .join(", ")
    : "";
  return `| ${name} | ${latency.requestsPerSecond} | ${latency.p50.toFixed(2)} | ${latency.p99.toFixed(2)} | ${run?.requests ?? ""} | ${statuses} | ${run ? (run.bytes / 2 ** 20).toFixed(1) : ""} | ${run ? `${run.meanMs.toFixed(0)} / ${run.maxMs.toFixed(0)}` : ""} | ${memory.rssMb.toFixed(0)} / ${memory.peakMb.toFixed(0)} |`;
}

await main();
