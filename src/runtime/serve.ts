import { readFile } from "node:fs/promises";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import type { AppDeps } from "../http/app-env.ts";
import { createApp } from "../http/create-app.ts";
import type { Config } from "./config.ts";

const require = createRequire(import.meta.url);

/** The docs UI script, read once from the installed package . */
export function docsScriptLoader(): () => Promise<string | null> {
  let script: Promise<string | null> | undefined;
  return () => {
    script ??= readFile(require.resolve("@scalar/api-reference/browser/standalone.js"), "utf8").catch(() => null);
    return script;
  };
}

/**
 * The client's address on Node: the socket's peer, or behind `hops` trusted reverse proxies the
 * entry of X-Forwarded-For that the outermost of them appended (entries before it are the
 * client's own say, and could be anything).
 */
export function nodeClientAddress(hops: number): (c: Context) => string | undefined {
  return (c) => {
    if (hops > 0) {
      const forwarded = (c.req.header("x-forwarded-for") ?? "")
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean);
      const entry = forwarded[forwarded.length - hops];
      if (entry) return entry;
    }
    try {
      return getConnInfo(c).remote.address;
    } catch {
      return undefined;
    }
  };
}

/** How long a drain may take before the remaining connections are cut. */
export const DRAIN_TIMEOUT_MS = 8_000;

/**
 * Serves the app until SIGTERM or SIGINT, then drains: stops accepting connections, answers the
 * requests in flight and any that arrive on open keep-alive connections with `Connection: close`
 * (so each client learns to reconnect elsewhere after its answer, instead of a reset that leaves it
 * unsure whether a write was committed), closes idle connections, closes the database and exits 0.
 */
export function serveUntilStopped(
  deps: AppDeps,
  database: LedgerDatabase,
  config: Pick<Config, "PORT" | "HOST" | "LEDGER_PROXY_HOPS" | "LEDGER_REQUEST_TIMEOUT_MS">,
  onListening: (url: string) => void,
) {
  const app = createApp({ ...deps, clientAddress: deps.clientAddress ?? nodeClientAddress(config.LEDGER_PROXY_HOPS) });
  const timeout = config.LEDGER_REQUEST_TIMEOUT_MS;
  const serverOptions = {
    headersTimeout: Math.ceil(timeout / 2),
    requestTimeout: timeout,
    // How often Node looks for requests past their time (its default is 30 s).
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(timeout / 4)),
    keepAliveTimeout: 5_000,
  };
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST, serverOptions }, (info) => {
    onListening(`http://${info.address === "0.0.0.0" ? "localhost" : info.address}:${info.port}`);
  }) as Server;
  server.on("clientError", answerMalformed);
  let stopping = false;
  const unanswered = new Set<ServerResponse>();
  server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
    if (stopping) response.setHeader("connection", "close");
    unanswered.add(response);
    response.on("close", () => {
      unanswered.delete(response);
      if (stopping) server.closeIdleConnections();
    });
  });
  const log = (level: string, message: string) =>
    console.log(JSON.stringify({ time: new Date().toISOString(), level, message }));
  const finish = async (code: number) => {
    try {
      await database.close();
    } catch (error) {
      log("error", `closing the database failed: ${error}`);
      code = 1;
    }
    process.exit(code);
  };
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", `${signal}: draining ${unanswered.size} requests in flight`);
    for (const response of unanswered) if (!response.headersSent) response.setHeader("connection", "close");
    server.close(() => {
      log("info", "drained: every connection closed; closing the database");
      void finish(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      log("error", `drain timed out after ${DRAIN_TIMEOUT_MS} ms with ${unanswered.size} requests unanswered`);
      server.closeAllConnections();
      void finish(1);
    }, DRAIN_TIMEOUT_MS).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

/**
 * Malformed HTTP (a bad request line, Content-Length or header, or headers too large) never
 * reaches the app: Node answers it here. Give it a problem+json like every other error, where the
 * socket can still take one, then close it.
 */
function answerMalformed(error: NodeJS.ErrnoException, socket: Duplex) {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, detail] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "the request's headers are too large"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "the request was not received in time"]
        : [400, "Bad Request", `the request is not valid HTTP (${error.code ?? "parse error"})`];
  const body = JSON.stringify({
    type: "urn:tech-market-ledger:problem:malformed-request",
    title: "The request is not valid HTTP",
    status,
    detail,
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
