import { type ChildProcess, spawn } from "node:child_process";
import { type Agent, request as httpRequest } from "node:http";

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Node itself runs the service, not the tsx wrapper: a wrapper killed with SIGKILL leaves its server running. */
export async function startServer(env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/runtime/node.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 20 s:\n${output}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}

/** Kills the server outright (no drain, no database close) and waits until it is gone. */
export async function killHard(server: RunningServer): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  await server.exited;
}

export interface Reply {
  status: number;
  text: string;
  json: any;
}

/**
 * One JSON request on the agent's connections. It resolves only once the whole response body has
 * arrived (an acknowledgement) and rejects if the connection fails first (ECONNRESET, a hang-up).
 */
export function jsonRequest(
  agent: Agent,
  url: string,
  method: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const request = httpRequest(url, { method, agent, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        text += chunk;
      });
      response.on("end", () => {
        if (!response.complete) {
          reject(new Error("response cut short"));
          return;
        }
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, text, json });
      });
      response.on("error", reject);
      response.on("aborted", () => reject(new Error("response aborted")));
    });
    request.on("error", reject);
    request.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

/** Every item of a paginated list (`{ items, nextCursor }`), page by page. */
export async function readAll(agent: Agent, base: string, path: string, token: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await jsonRequest(agent, `${base}${path}?${query}`, "GET", { token });
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${page.text}`);
    items.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor);
  return items;
}
