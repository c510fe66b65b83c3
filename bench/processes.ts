/**
 * What the benchmarks share: servers in child processes (pinned to core 0 where taskset exists, the
 * load generator on core 1), stopping them, and a token from an API key.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";

export const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

export const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

export async function startServer(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; url: string }> {
  const command = hasTaskset ? "taskset" : TSX;
  // BENCH_SERVER_FLAGS passes node flags to the servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = process.env.BENCH_SERVER_FLAGS?.split(" ").filter(Boolean) ?? [];
  const argv = hasTaskset ? ["-c", "0", TSX, ...flags, ...args] : [...flags, ...args];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1].replace("localhost", "127.0.0.1"));
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, url };
}

export async function stop(child: ChildProcess) {
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

export async function token(url: string, apiKey: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiKey }),
  });
  return ((await response.json()) as { accessToken: string }).accessToken;
}
