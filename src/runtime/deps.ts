import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { loadBulletinSigner } from "../crypto/bulletin-keys.ts";
import { createJoseSigner } from "../crypto/jose-signer.ts";
import type { KeyVault } from "../crypto/key-vault.ts";
import { loadTokenKeys } from "../crypto/token-keys.ts";
import { createReadCache } from "../domain/ledger/read-cache.ts";
import { parseYuan } from "../domain/money.ts";
import { createSerialGate } from "../domain/next-turn.ts";
import { hashSecret } from "../domain/organizations/api-keys.ts";
import type { Clock } from "../domain/ports.ts";
import { PLAN_GOAL_ID } from "../domain/statistics/goal.ts";
import type { AppDeps } from "../http/app-env.ts";
import type { Config } from "./config.ts";
import { createIds } from "./ids.ts";
import { officialCalendar } from "./official-calendar.ts";

export const systemClock: Clock = { now: () => new Date() };

/**
 * Everything the app needs, built once per process (Node) or per isolate (Workers). `vault` holds
 * the private keys (runtime/key-file.ts on Node, the LEDGER_SIGNING_KEY secret on Workers, memory
 * in tests): never the database.
 */
export async function buildDeps(
  database: LedgerDatabase,
  config: Config,
  { vault, ...overrides }: Partial<AppDeps> & { vault: KeyVault },
): Promise<AppDeps> {
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? createLedgerStore(database);
  const signer =
    overrides.signer ??
    (await createJoseSigner(
      await loadTokenKeys(vault, store, clock),
      {
        issuer: config.LEDGER_TOKEN_ISSUER,
        audience: config.LEDGER_TOKEN_AUDIENCE,
        maxAgeSeconds: config.LEDGER_TOKEN_TTL_SECONDS,
      },
      clock,
    ));
  const bulletinSigner = overrides.bulletinSigner ?? (await loadBulletinSigner(vault, clock));
  return {
    store,
    clock,
    signer,
    bulletinSigner,
    ids: overrides.ids ?? createIds(),
    market: overrides.market ?? {
      regionCode: config.LEDGER_REGION_CODE,
      registryCode: config.LEDGER_REGISTRY_CODE,
      operatorOrganizationName: config.LEDGER_OPERATOR_ORGANIZATION,
      tokenLifetimeSeconds: config.LEDGER_TOKEN_TTL_SECONDS,
      calendar: officialCalendar(config.LEDGER_WORKING_DAYS),
      bootstrapSecretHash: config.LEDGER_BOOTSTRAP_SECRET ? hashSecret(config.LEDGER_BOOTSTRAP_SECRET) : null,
      planGoal: {
        id: PLAN_GOAL_ID,
        name: config.LEDGER_GOAL_NAME,
        targetFen: parseYuan(config.LEDGER_GOAL_TARGET),
        startsOn: config.LEDGER_GOAL_STARTS_ON,
        endsOn: config.LEDGER_GOAL_ENDS_ON,
        amount: config.LEDGER_GOAL_AMOUNT,
        createdAt: null,
      },
    },
    ...(overrides.metrics
      ? { metrics: overrides.metrics, committed: overrides.metrics.committed.bind(overrides.metrics) }
      : {}),
    readCache: overrides.readCache ?? createReadCache(config.LEDGER_READ_CACHE_MB * 1024 * 1024),
    ...(overrides.serialReads || database.dialect === "sqlite"
      ? { serialReads: overrides.serialReads ?? createSerialGate() }
      : {}),
    rateLimits: overrides.rateLimits ?? {
      statistics: { limit: config.LEDGER_RATE_LIMIT_STATISTICS, windowMs: 60_000 },
      tokens: { limit: config.LEDGER_RATE_LIMIT_TOKENS, windowMs: 60_000 },
      keyFailures: { limit: config.LEDGER_RATE_LIMIT_KEY_FAILURES, windowMs: 15 * 60_000 },
    },
    ...(overrides.rateLimitBindings ? { rateLimitBindings: overrides.rateLimitBindings } : {}),
    ...(overrides.clientAddress ? { clientAddress: overrides.clientAddress } : {}),
    ...(overrides.log ? { log: overrides.log } : {}),
    ...(overrides.docsScript ? { docsScript: overrides.docsScript } : {}),
    ...(overrides.checkStretches ? { checkStretches: overrides.checkStretches } : {}),
    ...(overrides.leafHashes ? { leafHashes: overrides.leafHashes } : {}),
  };
}
