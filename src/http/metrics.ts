/** Prometheus text exposition of request counts and a latency histogram, per route pattern. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${escapeLabel(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hKey = `method="${method}",route="${escapeLabel(route)}"`;
    let h = this.latency.get(hKey);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(hKey, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] ?? 0)) h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.sum += seconds;
    h.count += 1;
  }

  render(): string {
    const lines = [
      "# HELP ledger_http_requests_total HTTP requests by route pattern and status.",
      "# TYPE ledger_http_requests_total counter",
    ];
    for (const [labels, value] of this.requests) lines.push(`ledger_http_requests_total{${labels}} ${value}`);
    lines.push(
      "# HELP ledger_http_request_duration_seconds HTTP request latency.",
      "# TYPE ledger_http_request_duration_seconds histogram",
    );
    for (const [labels, h] of this.latency) {
      BUCKETS.forEach((le, i) => {
        lines.push(`ledger_http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.counts[i]}`);
      });
      lines.push(`ledger_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      lines.push(`ledger_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      lines.push(`ledger_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
