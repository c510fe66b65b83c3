import { parseArgs } from "node:util";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { generatePrivateJwk } from "../crypto/key-vault.ts";
import { loadTokenKeys, rotateTokenKey } from "../crypto/token-keys.ts";
import { createOperator } from "../domain/organizations/create-operator.ts";
import { revokeKeyOnCommandLine } from "../domain/organizations/revoke-api-key.ts";
import { verifyLedger } from "../domain/verification/verify-ledger.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { buildDeps, systemClock } from "./deps.ts";
import { nodeKeyVault } from "./key-file.ts";
import { stretchWorkers } from "./verify-workers.ts";

const USAGE = `usage: npm run cli -- <command>
  migrate                       apply pending database migrations
  create-operator --name NAME   add an operator (a person at the registry); prints its API key once
  revoke-key --key KEY_ID       revoke any API key, an operator's included (over HTTP an operator revokes
                                members' keys and its own)
  verify                        recompute the audit chain and check every record against it (exit 1 if it fails)
  rotate-signing-key            sign tokens with a new key from now on (restart the service); tokens of the
                                previous key stay valid until they expire
  generate-signing-key          print a new private Ed25519 JWK, for LEDGER_SIGNING_KEY (a Worker secret)`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const config = parseConfig(process.env);
  if (command === "generate-signing-key") {
    // Nothing is stored: the key goes to whoever runs this, for a secret store.
    console.log(JSON.stringify(await generatePrivateJwk()));
    return 0;
  }
  // Verification reads each page about once, in a fresh process: reads beat faults on a mapping.
  const database = openSqlite(config.LEDGER_DATABASE, command === "verify" ? { mapped: false } : {});
  try {
    const report = await migrate(database);
    switch (command) {
      case "migrate":
        console.log(JSON.stringify(report));
        return 0;
      case "create-operator": {
        const { values } = parseArgs({ args: rest, options: { name: { type: "string" } } });
        const name = values.name?.trim();
        if (!name) {
          console.error("create-operator needs --name NAME");
          return 2;
        }
        const deps = await buildDeps(database, config, { vault: nodeKeyVault(config) });
        console.log(JSON.stringify(await createOperator(deps, name), null, 2));
        return 0;
      }
      case "revoke-key": {
        const { values } = parseArgs({ args: rest, options: { key: { type: "string" } } });
        if (!values.key) {
          console.error("revoke-key needs --key KEY_ID");
          return 2;
        }
        const deps = await buildDeps(database, config, { vault: nodeKeyVault(config) });
        const revoked = await revokeKeyOnCommandLine(deps, values.key);
        console.log(JSON.stringify({ id: revoked.id, holder: revoked.holder, revokedAt: revoked.revokedAt }, null, 2));
        return 0;
      }
      case "verify": {
        const onFile = config.LEDGER_DATABASE !== ":memory:";
        const report = await verifyLedger({
          store: createLedgerStore(database),
          ...(onFile ? { checkStretches: stretchWorkers(config.LEDGER_DATABASE) } : {}),
        });
        console.log(JSON.stringify(report, null, 2));
        return report.ok ? 0 : 1;
      }
      case "rotate-signing-key": {
        const vault = nodeKeyVault(config);
        if (!vault.write) {
          console.error(
            `the token keys are set in ${vault.description}: put the new key first there (a JWK Set keeps the old one verifying)`,
          );
          return 2;
        }
        // Moves keys an older version kept in the database into the vault first.
        await loadTokenKeys(vault, createLedgerStore(database), systemClock);
        const { current, kept } = await rotateTokenKey(vault, systemClock);
        console.log(
          JSON.stringify({ kid: current.jwk.kid, keptForVerification: kept, vault: vault.description }, null, 2),
        );
        console.error("restart the service to sign with the new key");
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
