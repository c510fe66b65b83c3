import { execFileSync, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { openSqlite, PAGE_SIZE } from "../db/dialects/sqlite.ts";
import { migrations } from "../db/migrations/index.ts";
import { memoryVault } from "../src/crypto/key-vault.ts";
import { buildTree } from "../src/domain/bulletins/bulletin-tree.ts";
import { publishBulletin } from "../src/domain/bulletins/publish-bulletin.ts";
import { bulletinEntries, bulletinProof } from "../src/domain/bulletins/read-bulletins.ts";
import { createOperator } from "../src/domain/organizations/create-operator.ts";
import type { Actor, Clock } from "../src/domain/ports.ts";
import { presentBulletin } from "../src/http/routes/bulletins/bulletins.ts";
import { parseConfig } from "../src/runtime/config.ts";
import { buildDeps } from "../src/runtime/deps.ts";
import { leafHashWorkers } from "../src/runtime/leaf-hash-workers.ts";
import { loadRegisteredContracts } from "./load.ts";
import { writeSection } from "./sections.ts";

/**
 * `tsx bench/bulletins.ts`: the bulletin targets of issue 12 at BENCH_BULLETIN_ENTRIES volume
 * entries (default a million, loaded once into bench/.cache like bench/run.ts's ledgers):
 * publishing a bulletin (< 5 s), an inclusion proof (p99 < 5 ms), and verify-bulletin over the
 * full export in a child process (< 10 s, peak RSS < 300 MB). The baseline, measured in the same
 * run: reading the same leaves and hashing them with nothing else (what publishing cannot avoid).
 */
const ENTRIES = Number(process.env.BENCH_BULLETIN_ENTRIES ?? 1_000_000);
const PROOFS = 500;

const cacheDir = join(process.cwd(), "bench", ".cache");
mkdirSync(cacheDir, { recursive: true });
const cached = join(cacheDir, `registered-${ENTRIES}-schema${migrations.length}-page${PAGE_SIZE}.sqlite`);
if (!existsSync(cached)) {
  const partial = `${cached}.part-bulletins`;
  rmSync(partial, { force: true });
  console.error(`loading ${ENTRIES.toLocaleString("en")} registered contracts into ${cached} (once; minutes)`);
  await loadRegisteredContracts(partial, ENTRIES, (done) => {
    if (done % 100_000 === 0) console.error(`  ${done.toLocaleString("en")}`);
  });
  renameSync(partial, cached);
}
// A copy per run: publishing writes a bulletin, and the cached ledger must stay as loaded.
const work = join(mkdtempSync(join(tmpdir(), "bench-bulletins-")), "ledger.sqlite");
execFileSync("cp", [cached, work]);
const database = openSqlite(work);
const now = new Date("2026-12-02T04:00:00.000Z");
const clock: Clock = { now: () => now };
const vault = memoryVault();
// As the Node service runs: bulletin trees read and hashed in worker threads on the file.
const deps = await buildDeps(database, parseConfig({ LEDGER_LOG: "off" }), {
  clock,
  vault,
  leafHashes: leafHashWorkers(work),
});
const op = await createOperator(deps, "Bench operator");
const operator: Actor = {
  role: "operator",
  keyId: op.keyId,
  holder: "Bench operator",
  organizationId: op.organizationId,
  organizationKind: "other",
};
const head = await deps.store.auditHead();

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

// Baseline: the leaves read and hashed into a tree, nothing else, in this thread by pages (as on
// D1 or an in-memory ledger), then in the worker threads publishing uses.
let start = process.hrtime.bigint();
const baseline = await buildTree(deps.store, head.seq, "2026-11-30");
const baselineMs = ms(start);
start = process.hrtime.bigint();
await buildTree(deps.store, head.seq, "2026-11-30", deps.leafHashes);
const threadedMs = ms(start);

start = process.hrtime.bigint();
const outcome = await publishBulletin(deps, { caller: operator, period: "2026-11" });
const publishMs = ms(start);
if (outcome.kind !== "done") throw new Error("replayed");
const bulletin = outcome.result;
const treeSize = bulletin.payload.merkle.treeSize;

// Proofs: the first builds and keeps the tree; the rest are what a party's request costs.
const all = (
  await database.db.selectFrom("volume_entries").select("contract_id").where("entry_on", "<=", "2026-11-30").execute()
).map((r) => r.contract_id);
const pick = () => all[Math.floor(Math.random() * all.length)] as string;
start = process.hrtime.bigint();
await bulletinProof(deps, operator, bulletin.id, pick());
const firstProofMs = ms(start);
const proofTimes: number[] = [];
for (let i = 0; i < PROOFS; i++) {
  const id = pick();
  start = process.hrtime.bigint();
  const proof = await bulletinProof(deps, operator, bulletin.id, id);
  proofTimes.push(ms(start));
  if (proof.items.length === 0) throw new Error(`no proof for ${id}`);
}

// The auditor's export, then verify-bulletin over it in a child process, timed with its peak RSS.
const dir = mkdtempSync(join(tmpdir(), "bench-verify-bulletin-"));
const entriesFile = join(dir, "entries.ndjson");
const out = createWriteStream(entriesFile);
const { lines } = await bulletinEntries(deps, operator, bulletin.id);
for await (const line of lines)
  if (!out.write(line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
await new Promise<void>((resolve) => out.end(() => resolve()));
writeFileSync(join(dir, "bulletin.json"), JSON.stringify(presentBulletin(bulletin)));
writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: deps.bulletinSigner.publicKeys() }));
await database.close();
const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");
start = process.hrtime.bigint();
const child = spawnSync(
  "/usr/bin/time",
  [
    "-f",
    "peak-rss-kb %M",
    tsx,
    "src/runtime/cli.ts",
    "verify-bulletin",
    join(dir, "bulletin.json"),
    "--jwks",
    join(dir, "jwks.json"),
    "--entries",
    entriesFile,
  ],
  { encoding: "utf8", env: { ...process.env, LEDGER_DATABASE: ":memory:" } },
);
const verifyMs = ms(start);
const report = JSON.parse(child.stdout);
if (!report.ok) throw new Error(`verify-bulletin failed: ${JSON.stringify(report.failed)}`);
const peak = /peak-rss-kb (\d+)/.exec(child.stderr)?.[1];
const peakMb = Number(peak) / 1024;
rmSync(dir, { recursive: true, force: true });

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const p99 = percentile(proofTimes, 99);
const table = [
  ["baseline: read the leaves and hash them into a tree, one thread by pages (ms)", baselineMs.toFixed(0), "", ""],
  ["the same in worker threads, as publishing does (ms)", threadedMs.toFixed(0), "", ""],
  ["publish a bulletin (ms)", publishMs.toFixed(0), "< 5000", publishMs < 5000 ? "met" : "NOT met"],
  ["  publish / baseline", (publishMs / baselineMs).toFixed(2), "", ""],
  ["first proof: builds and keeps the tree (ms)", firstProofMs.toFixed(0), "", ""],
  [`inclusion proof p50 (ms), ${PROOFS} random contracts`, percentile(proofTimes, 50).toFixed(3), "", ""],
  [`inclusion proof p99 (ms)`, p99.toFixed(3), "< 5", p99 < 5 ? "met" : "NOT met"],
  [
    "verify-bulletin with the full export, wall (ms, a fresh process)",
    verifyMs.toFixed(0),
    "< 10000",
    verifyMs < 10_000 ? "met" : "NOT met",
  ],
  ["verify-bulletin peak RSS (MB)", peakMb.toFixed(0), "< 300", peakMb < 300 ? "met" : "NOT met"],
];
writeSection(
  [
    "## Statistics bulletins (bench/bulletins.ts)",
    "",
    `- Run: ${new Date().toISOString()}, \`npm run bench\` (or \`tsx bench/bulletins.ts\`), on ${machine}`,
    `- Ledger: ${ENTRIES.toLocaleString("en")} registered contracts (bench/load.ts), a bulletin of 2026-11 over ${treeSize.toLocaleString("en")} volume entries (head ${baseline.log.length === treeSize ? "as loaded" : "moved"}); proofs for ${PROOFS} random contracts, in-process; verify-bulletin run by \`npm run cli\` in a child process, peak RSS from GNU time.`,
    "",
    "| measurement | value | target | |",
    "| --- | --- | --- | --- |",
    ...table.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n"),
);
console.log(table.map((r) => r.join("  ")).join("\n"));
