import type { AuditEvent } from "../domain/ports.ts";

/**
 * What the service tells its metrics (`GET /metrics`). The Node runtime keeps them with
 * prom-client (runtime/prom-metrics.ts); a Worker keeps none, since an isolate's counters say
 * nothing about the deployment (Cloudflare's own analytics do), and its `/metrics` says so.
 */
export interface LedgerMetrics {
  /** One answered request, by route pattern (never the raw path, whose ids are unbounded). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** A write set, once committed and durable: registrations are counted from its events. */
  committed(events: readonly AuditEvent[]): void;
  /** A verification of the ledger finished, with this result. */
  verified(ok: boolean, at: Date): void;
  /** The Prometheus text exposition and its content type. */
  render(): Promise<{ body: string; contentType: string }>;
}
