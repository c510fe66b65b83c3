import { generateKeyPairSync, randomBytes } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Offline: no telemetry, no Cloudflare metadata fetches (they only print warnings here).
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

// A Worker takes its token key from the LEDGER_SIGNING_KEY secret; the tests make a fresh one per run.
const { kty, crv, x, d } = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
const LEDGER_SIGNING_KEY = JSON.stringify({ kty, crv, x, d });
const bulletinKey = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
const LEDGER_BULLETIN_KEY = JSON.stringify({
  kty: bulletinKey.kty,
  crv: bulletinKey.crv,
  x: bulletinKey.x,
  d: bulletinKey.d,
});

// The one-time secret that creates the first operator (README, "Cloudflare Workers + D1").
const LEDGER_BOOTSTRAP_SECRET = randomBytes(32).toString("hex");

/** Runs test/workers inside workerd with a local D1, offline. Kept apart from the Node run. */
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        d1Databases: ["DB", "STORE_DB", "MIGRATION_DB"],
        bindings: { LEDGER_LOG: "off", LEDGER_SIGNING_KEY, LEDGER_BULLETIN_KEY, LEDGER_BOOTSTRAP_SECRET },
      },
    }),
  ],
  test: {
    include: ["test/workers/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
