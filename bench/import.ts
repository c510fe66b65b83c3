import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { creditCodeCheckCharacter } from "../contracts/credit-code.ts";
import { writeSection } from "./sections.ts";

/**
 * `tsx bench/import.ts`: the historical import of issue 14 (target: 1,000,000 rows under 60 s,
 * peak RSS under 300 MB), BENCH_IMPORT_ROWS rows (default 50,000 while the write pass costs ~1.5 ms a row:
 * a million would take some 25 minutes; the time is reported per million) of a generated CSV in Chinese
 * with amounts in 万元, run by `npm run cli -- import` in a child process timed with GNU time. The
 * baseline, in the same run: the same command with --dry-run (reading and checking every row,
 * writing nothing).
 */
const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), "bench-import-"));
const csv = join(dir, "legacy.csv");
const code = (n: number, region: string) => {
  const body = `12${region}${String(n).padStart(9, "0")}`;
  return body + creditCodeCheckCharacter(body);
};
const sellers = Array.from({ length: 200 }, (_, i) => code(900_000 + i, "540102"));
const buyers = Array.from({ length: 500 }, (_, i) => code(950_000 + i, "540103"));
const out = createWriteStream(csv);
const write = (line: string) =>
  out.write(`${line}\n`) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r()));
await write(
  "合同名称,合同编号,合同类别,合同子类,卖方名称,统一社会信用代码,卖方类型,卖方地区,买方名称,买方统一社会信用代码,买方类型,买方地区,签订日期,有效期起,有效期止,成交额(万元),技术交易额(万元),技术领域,知识产权类型,登记号,登记日期",
);
for (let i = 0; i < ROWS; i++) {
  const day = new Date(Date.UTC(2016, 0, 1) + (i % 1800) * 86_400_000).toISOString().slice(0, 10);
  const year = day.slice(0, 4);
  const s = i % sellers.length;
  await write(
    `历史合同 ${i},LEG-${i},技术开发,委托开发,卖方单位 ${s},${sellers[s]},企业法人,540102,买方单位 ${i % buyers.length},${buyers[i % buyers.length]},企业法人,540103,${day},${day},${day},${(i % 97) + 1}.25,${(i % 97) + 1},农业,专利,${year}540100${String(i).padStart(6, "0")},${day}`,
  );
}
await new Promise<void>((r) => out.end(() => r()));

const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");
const env = { ...process.env, LEDGER_DATABASE: join(dir, "ledger.sqlite"), LEDGER_LOG: "off" };
const timed = (args: string[]) => {
  const start = process.hrtime.bigint();
  const child = spawnSync("/usr/bin/time", ["-f", "peak-rss-kb %M", tsx, "src/runtime/cli.ts", ...args], {
    env,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rss = Number(/peak-rss-kb (\d+)/.exec(child.stderr)?.[1] ?? 0) / 1024;
  const report = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}");
  return { ms, rss, report };
};
spawnSync(tsx, ["src/runtime/cli.ts", "migrate"], { env, encoding: "utf8" });
const created = spawnSync(tsx, ["src/runtime/cli.ts", "create-operator", "--name", "Bench"], { env, encoding: "utf8" });
if (created.status !== 0) throw new Error(created.stderr);
const dry = timed(["import", csv, "--dry-run", "--json"]);
const real = timed(["import", csv, "--json"]);
if (real.report.imported !== ROWS)
  throw new Error(`imported ${real.report.imported} of ${ROWS}: ${JSON.stringify(real.report).slice(0, 500)}`);
const again = timed(["import", csv, "--json"]);
rmSync(dir, { recursive: true, force: true });

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const perMillion = (ms: number) => (ms / ROWS) * 1_000_000;
const table = [
  [
    "baseline: --dry-run, every row read and checked, nothing written (s)",
    (dry.ms / 1000).toFixed(1),
    "",
    `${dry.rss.toFixed(0)} MB`,
  ],
  ["import (s)", (real.ms / 1000).toFixed(1), "", `${real.rss.toFixed(0)} MB`],
  [
    "import, per 1,000,000 rows (s)",
    (perMillion(real.ms) / 1000).toFixed(1),
    "< 60",
    perMillion(real.ms) < 60_000 ? "met" : "NOT met",
  ],
  ["import peak RSS (MB)", real.rss.toFixed(0), "< 300", real.rss < 300 ? "met" : "NOT met"],
  ["the same file again: every row skipped (s)", (again.ms / 1000).toFixed(1), "", `${again.report.skipped} skipped`],
];
writeSection(
  [
    "## Historical import (bench/import.ts)",
    "",
    `- Run: ${new Date().toISOString()}, \`npm run bench\` (or \`tsx bench/import.ts\`), on ${machine}`,
    `- ${ROWS.toLocaleString("en")} rows of a generated CSV (Chinese headers, amounts in 万元, 200 sellers, 500 buyers, 2016 to 2020), \`npm run cli -- import\` in a child process into a new ledger, peak RSS from GNU time.`,
    "",
    "| measurement | value | target | |",
    "| --- | --- | --- | --- |",
    ...table.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n"),
);
console.log(table.map((r) => r.join("  ")).join("\n"));
