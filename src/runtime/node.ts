import { LedgerFileError, openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { buildDeps } from "./deps.ts";
import { nodeKeyVault } from "./key-file.ts";
import { leafHashWorkers } from "./leaf-hash-workers.ts";
import { createPromMetrics } from "./prom-metrics.ts";
import { docsScriptLoader, serveUntilStopped } from "./serve.ts";
import { stretchWorkers } from "./verify-workers.ts";

async function main() {
  const config = parseConfig(process.env);
  const metrics = createPromMetrics();
  const database = openSqlite(config.LEDGER_DATABASE, { observe: metrics.database });
  const report = await migrate(database);
  const log =
    config.LEDGER_LOG === "json" ? (line: Record<string, unknown>) => console.log(JSON.stringify(line)) : undefined;
  const vault = nodeKeyVault(config);
  const deps = await buildDeps(database, config, {
    vault,
    metrics,
    ...(log ? { log } : {}),
    docsScript: docsScriptLoader(),
    // Verification over HTTP reads the chain in worker processes, as the command line does.
    ...(config.LEDGER_DATABASE === ":memory:"
      ? {}
      : {
          checkStretches: stretchWorkers(config.LEDGER_DATABASE),
          // Bulletin trees are read and hashed in threads on the file, as verification's chain is.
          leafHashes: leafHashWorkers(config.LEDGER_DATABASE),
        }),
  });
  metrics.track(deps.store);
  const operators = await deps.store.findOperatorOrganization();
  serveUntilStopped(deps, database, config, (url) => {
    console.log(
      [
        `tech-market-ledger listening on ${url}`,
        `  database: ${config.LEDGER_DATABASE} (schema version ${report.current}${report.applied.length ? `, applied ${report.applied.join(", ")}` : ""})`,
        `  keys:     ${vault.description} (back it up apart from the database; never share it)`,
        `  docs:     ${url}/docs`,
        operators
          ? "  operators: add one with  npm run cli -- create-operator --name NAME"
          : "  no operator yet: create the first with  npm run cli -- create-operator --name NAME",
      ].join("\n"),
    );
  });
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof LedgerFileError ? error.message : error);
  process.exit(1);
});
