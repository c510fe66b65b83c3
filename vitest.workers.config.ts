import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Offline: no telemetry, no Cloudflare metadata fetches (they only print warnings here).
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

/** Runs test/workers inside workerd with a local D1, offline. Kept apart from the Node run. */
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { d1Databases: ["DB", "STORE_DB"], bindings: { LEDGER_LOG: "off" } },
    }),
  ],
  test: {
    include: ["test/workers/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
