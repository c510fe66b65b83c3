import type { Caller, Deps } from "../domain/ports.ts";
import type { Metrics } from "./metrics.ts";

export interface AppDeps extends Deps {
  metrics: Metrics;
  /** Writes one structured log line; omitted in tests. */
  log?: (line: Record<string, unknown>) => void;
  /** The docs UI script, served from the installed package rather than a CDN. */
  docsScript?: () => Promise<string | null>;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    caller: Caller;
    deps: AppDeps;
  };
}
