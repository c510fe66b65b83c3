import type { D1Binding } from "../../db/dialects/d1.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Binding;
      /** The store suite's own database: it empties it before each test. */
      STORE_DB: D1Binding;
      /** Migrations from an old schema: test/workers/migrations.test.ts alone. */
      MIGRATION_DB: D1Binding;
      /** The one-time secret of POST /v1/bootstrap (vitest.workers.config.ts). */
      LEDGER_BOOTSTRAP_SECRET: string;
    }
  }
}
