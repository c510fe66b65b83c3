/**
 * Service time of one request at a time, timed to the microsecond. autocannon records latencies in
 * an integer-millisecond histogram, so a 0.3 ms answer counts as 0 and one of 1.2 ms as 1: its
 * sub-millisecond means and percentiles are rounding, and ratios of them are noise. Here one
 * keep-alive connection sends requests back to back and every round trip is kept exactly.
 */
import { execFile } from "node:child_process";
import { Agent, request } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface LatencyRun {
  requests: number;
  requestsPerSecond: number;
  mean: number;
  p50: number;
  p99: number;
  non2xx: number;
}

function get(url: URL, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { accept: "application/json" } }, (res) => {
      res.on("data", () => {});
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

export async function sequentialLatency(url: string, seconds: number, warmupSeconds = 1): Promise<LatencyRun> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const warmUntil = performance.now() + warmupSeconds * 1000;
    while (performance.now() < warmUntil) await get(target, agent);
    const latencies: number[] = [];
    let non2xx = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    while (performance.now() < until) {
      const t0 = performance.now();
      const status = await get(target, agent);
      latencies.push(performance.now() - t0);
      if (status < 200 || status > 299) non2xx++;
    }
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
      requests: latencies.length,
      requestsPerSecond: Math.round(latencies.length / elapsed),
      mean: latencies.reduce((sum, x) => sum + x, 0) / Math.max(1, latencies.length),
      p50: at(0.5),
      p99: at(0.99),
      non2xx,
    };
  } finally {
    agent.destroy();
  }
}

/**
 * The same, in a fresh process: the bench's own heap (every result so far, autocannon) makes its
 * garbage collections longer, and a client's pauses would be counted as the server's latency.
 */
export async function sequentialLatencyInChild(url: string, seconds: number): Promise<LatencyRun> {
  const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
  const script = fileURLToPath(import.meta.url);
  const output = await new Promise<string>((resolve, reject) =>
    execFile(tsx, [script, url, String(seconds)], { maxBuffer: 1 << 20 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
  return JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as LatencyRun;
}

// Run as a script (by the function above): time the URL given and print the result as JSON.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2]) {
  sequentialLatency(process.argv[2], Number(process.argv[3] ?? 10)).then((run) => console.log(JSON.stringify(run)));
}
