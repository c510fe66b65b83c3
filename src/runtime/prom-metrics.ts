import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { rightTypeOf } from "../domain/pledges/pledge.ts";
import type { AuditEvent, LedgerStore } from "../domain/ports.ts";
import type { LedgerMetrics } from "../http/metrics.ts";

/** The registration events and the type each is counted under (`ledger_registrations_total`). */
const REGISTRATIONS: Record<string, (state: Record<string, unknown>) => string> = {
  "tech_contract.registered": (s) => String(s.type),
  "tech_contract.imported": (s) => String(s.type),
  "achievement.registered": (s) => String(s.kind),
  "pledge.registered": (s) => rightTypeOf((s.rights ?? []) as { type: never }[]),
};

export interface PromMetrics extends LedgerMetrics {
  /** Hooks for the SQLite dialect's group commit (db/dialects/sqlite.ts SqliteOptions.observe). */
  database: { groupCommitted(size: number): void; synced(seconds: number): void };
  /** Reads the chain head from this store at each scrape. */
  track(store: Pick<LedgerStore, "auditHead">): void;
}

/**
 * The service's metrics in prom-client, on a registry of its own: Node's process and runtime
 * metrics (CPU, memory, event-loop lag, GC), requests by route and status with a latency
 * histogram, and the ledger's own: chain head seq (read at each scrape), last verification time
 * and result, group-commit size and log-sync latency, registrations by registry and type.
 */
export function createPromMetrics(options: { processMetrics?: boolean } = {}): PromMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: "ledger_http_requests_total",
    help: "HTTP requests by route pattern and status.",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const latency = new Histogram({
    name: "ledger_http_request_duration_seconds",
    help: "HTTP request latency by route pattern.",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  let store: Pick<LedgerStore, "auditHead"> | undefined;
  new Gauge({
    name: "ledger_chain_head_seq",
    help: "The seq of the newest event of the audit chain.",
    registers,
    async collect() {
      if (store) this.set((await store.auditHead()).seq);
    },
  });
  const lastVerification = new Gauge({
    name: "ledger_last_verification_timestamp_seconds",
    help: "When this process last finished verifying the ledger (GET /v1/audit/verification).",
    registers,
  });
  const lastVerificationOk = new Gauge({
    name: "ledger_last_verification_ok",
    help: "1 if the last verification this process ran passed, 0 if it failed.",
    registers,
  });
  const groupSize = new Histogram({
    name: "ledger_group_commit_size",
    help: "Write attempts committed together in one transaction and one log sync.",
    buckets: [1, 2, 4, 8, 16, 32],
    registers,
  });
  const syncSeconds = new Histogram({
    name: "ledger_log_sync_seconds",
    help: "Latency of each fsync of the write-ahead log.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  const registrations = new Counter({
    name: "ledger_registrations_total",
    help: "Registrations committed by this process, by registry and type (imports included).",
    labelNames: ["registry", "type"] as const,
    registers,
  });
  return {
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    committed(events: readonly AuditEvent[]) {
      for (const event of events) {
        const typeOf = REGISTRATIONS[event.action];
        if (typeOf) registrations.inc({ registry: event.subjectType, type: typeOf(JSON.parse(event.state)) });
      }
    },
    verified(ok, at) {
      lastVerification.set(at.getTime() / 1000);
      lastVerificationOk.set(ok ? 1 : 0);
    },
    database: {
      groupCommitted: (size) => groupSize.observe(size),
      synced: (seconds) => syncSeconds.observe(seconds),
    },
    track(tracked) {
      store = tracked;
    },
    async render() {
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
