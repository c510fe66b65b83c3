import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { isInMemory, LedgerFileError, openSqlite, openSqliteReadOnly } from "../../db/dialects/sqlite.ts";
import { backupSqlite, restoreSqlite } from "../../db/dialects/sqlite-backup.ts";
import { migrate, schemaVersion } from "../../db/migrate.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { defaultJwks, readSource, sourceLines } from "../bulletins/sources.ts";
import { checkBulletin } from "../bulletins/verify-bulletin.ts";
import { rotateBulletinKey } from "../crypto/bulletin-keys.ts";
import { generatePrivateJwk } from "../crypto/key-vault.ts";
import { loadTokenKeys, rotateTokenKey } from "../crypto/token-keys.ts";
import { createOperator } from "../domain/organizations/create-operator.ts";
import { revokeKeyOnCommandLine } from "../domain/organizations/revoke-api-key.ts";
import type { AnchorBulletin } from "../domain/verification/verify-bulletins.ts";
import { verifyLedger } from "../domain/verification/verify-ledger.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { buildDeps, systemClock } from "./deps.ts";
import { nodeKeyVault } from "./key-file.ts";
import { stretchWorkers } from "./verify-workers.ts";

const USAGE = `usage: npm run cli -- <command>   (every command but migrate refuses a LEDGER_DATABASE that does not exist)
  migrate                       apply pending database migrations
  create-operator --name NAME   add an operator (a person at the registry); prints its API key once
  revoke-key --key KEY_ID       revoke any API key, an operator's included (over HTTP an operator revokes
                                members' keys and its own)
  verify [--bulletin FILE_OR_URL]...
                                recompute the audit chain and check every record against it (exit 1 if it fails);
                                reads the file as it is (read-only, never migrated; a missing file is refused);
                                also checks the ledger against every bulletin it holds and each one given
  verify-bulletin BULLETIN [--jwks FILE_OR_URL] [--previous BULLETIN] [--entries FILE_OR_URL]
                                check a bulletin (a file or URL) with no database: signature, payload, arithmetic,
                                the link to the previous one, and with the entries the root and every figure
  rotate-bulletin-key           sign bulletins with a new key from now on (restart the service); every earlier
                                bulletin key stays in the JWKS
  rotate-signing-key            sign tokens with a new key from now on (restart the service); tokens of the
                                previous key stay valid until they expire
  generate-signing-key          print a new private Ed25519 JWK, for LEDGER_SIGNING_KEY (a Worker secret)
  backup FILE                   an online backup (the service may keep running) to a new file, 0600; prints its head
  restore FILE [--force]        verify a backup and put it in place of the ledger (stop the service first); the
                                ledger it replaces is kept as LEDGER_DATABASE.before-restore-TIME`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const config = parseConfig(process.env);
  if (command === "generate-signing-key") {
    // Nothing is stored: the key goes to whoever runs this, for a secret store.
    console.log(JSON.stringify(await generatePrivateJwk()));
    return 0;
  }
  if (command === "verify") {
    const { values } = parseArgs({ args: rest, options: { bulletin: { type: "string", multiple: true } } });
    return verify(config.LEDGER_DATABASE, values.bulletin ?? []);
  }
  if (command === "verify-bulletin") return verifyBulletinCommand(rest);
  if (command === "rotate-bulletin-key") {
    const vault = nodeKeyVault(config);
    const { current, kept } = await rotateBulletinKey(vault, systemClock);
    console.log(JSON.stringify({ kid: current.jwk.kid, earlierKeys: kept, vault: vault.description }, null, 2));
    console.error("restart the service to sign bulletins with the new key; earlier bulletins still verify");
    return 0;
  }
  if (command === "backup" || command === "restore") {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { force: { type: "boolean" } },
      allowPositionals: true,
    });
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      console.error(
        `${command} needs one FILE: npm run cli -- ${command} FILE${command === "restore" ? " [--force]" : ""}`,
      );
      return 2;
    }
    if (isInMemory(config.LEDGER_DATABASE))
      throw new LedgerFileError("an in-memory ledger has no file to back up or restore");
    return command === "backup"
      ? backup(config.LEDGER_DATABASE, file)
      : restore(file, config.LEDGER_DATABASE, values.force === true);
  }
  if (!KNOWN.has(command ?? "")) {
    console.error(USAGE);
    return 2;
  }
  // Flags first: a missing one is named before anything is opened.
  const flag = (name: string) =>
    parseArgs({ args: rest, options: { [name]: { type: "string" } } })
      .values[name]?.toString()
      .trim();
  const name = command === "create-operator" ? flag("name") : undefined;
  const keyId = command === "revoke-key" ? flag("key") : undefined;
  if (command === "create-operator" && !name) {
    console.error("create-operator needs --name NAME");
    return 2;
  }
  if (command === "revoke-key" && !keyId) {
    console.error("revoke-key needs --key KEY_ID");
    return 2;
  }
  // Only migrate (and the service) create a ledger: a command on a mistyped path must not make one.
  const onFile = !isInMemory(config.LEDGER_DATABASE);
  if (command !== "migrate" && onFile && !existsSync(config.LEDGER_DATABASE)) {
    throw new LedgerFileError(
      `no ledger at ${config.LEDGER_DATABASE}: check LEDGER_DATABASE, or create one with \`npm start\` or \`npm run cli -- migrate\``,
    );
  }
  const database = openSqlite(config.LEDGER_DATABASE);
  try {
    const report = await migrate(database);
    switch (command) {
      case "migrate":
        console.log(JSON.stringify(report));
        return 0;
      case "create-operator": {
        const deps = await buildDeps(database, config, { vault: nodeKeyVault(config) });
        console.log(JSON.stringify(await createOperator(deps, name as string), null, 2));
        return 0;
      }
      case "revoke-key": {
        const deps = await buildDeps(database, config, { vault: nodeKeyVault(config) });
        const revoked = await revokeKeyOnCommandLine(deps, keyId as string);
        console.log(JSON.stringify({ id: revoked.id, holder: revoked.holder, revokedAt: revoked.revokedAt }, null, 2));
        return 0;
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

/** Reads what a ledger file holds, read-only: its schema version and its audit head. */
async function describeLedger(path: string) {
  const database = openSqliteReadOnly(path);
  try {
    const { current } = await schemaVersion(database);
    if (current === null) throw new LedgerFileError(`${path} is not a ledger: it has no schema_migrations table`);
    return { schemaVersion: current, head: await createLedgerStore(database).auditHead() };
  } finally {
    await database.close();
  }
}

/** An online backup (the service may keep running); prints the head the copy holds. */
async function backup(source: string, destination: string) {
  const { bytes } = await backupSqlite(source, destination);
  const { schemaVersion: version, head } = await describeLedger(destination);
  console.log(JSON.stringify({ backup: destination, bytes, schemaVersion: version, head }, null, 2));
  return 0;
}

/**
 * Puts a backup in place of the ledger, with the service stopped. The backup is verified first
 * and a ledger that fails verification is not restored.
 */
async function restore(file: string, target: string, force: boolean) {
  if (!existsSync(file)) throw new LedgerFileError(`no backup at ${file}`);
  if (!force && existsSync(`${target}-wal`)) {
    throw new LedgerFileError(
      `${target} looks open (its -wal file exists): stop the service first; after a crash, start and stop it once, or pass --force`,
    );
  }
  const database = openSqliteReadOnly(file);
  let report: Awaited<ReturnType<typeof verifyLedger>>;
  try {
    report = await verifyLedger({
      store: createLedgerStore(database),
      checkStretches: stretchWorkers(database.readPath),
    });
  } finally {
    await database.close();
  }
  if (!report.ok) {
    console.log(JSON.stringify(report, null, 2));
    console.error(`${file} fails verification: not restored`);
    return 1;
  }
  const { previous } = restoreSqlite(file, target, new Date());
  const { schemaVersion: version, head } = await describeLedger(target);
  console.log(JSON.stringify({ restored: target, from: file, previous, schemaVersion: version, head }, null, 2));
  return 0;
}

const KNOWN = new Set(["migrate", "create-operator", "revoke-key", "rotate-signing-key"]);

/**
 * Checks the ledger as it is on disk: opened read-only (a read-only copy or mount can be checked),
 * never migrated or created. Verification reads each page about once, in a fresh process.
 */
/** A bulletin someone kept, for `verify --bulletin`: its payload, as the ledger signed it. */
async function keptBulletin(source: string): Promise<AnchorBulletin> {
  const bulletin = JSON.parse(await readSource(source)) as { payload?: AnchorBulletin["payload"] };
  if (!bulletin?.payload?.ledgerHead || !bulletin.payload.merkle) {
    throw new LedgerFileError(`${source} is not a bulletin (GET /v1/bulletins/{id} gives one)`);
  }
  return { payload: bulletin.payload, source };
}

async function verifyBulletinCommand(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: { jwks: { type: "string" }, previous: { type: "string" }, entries: { type: "string" } },
    allowPositionals: true,
  });
  const [source] = positionals;
  const jwks = values.jwks ?? (source ? defaultJwks(source) : undefined);
  if (!source || positionals.length > 1 || !jwks) {
    console.error(
      "verify-bulletin needs one BULLETIN (a file or URL) and, for a file, --jwks FILE_OR_URL: npm run cli -- verify-bulletin BULLETIN [--jwks ..] [--previous BULLETIN] [--entries FILE]",
    );
    return 2;
  }
  const json = async (what: string) => JSON.parse(await readSource(what)) as unknown;
  const report = await checkBulletin({
    bulletin: await json(source),
    jwks: await json(jwks),
    ...(values.previous ? { previous: await json(values.previous) } : {}),
    ...(values.entries ? { entries: sourceLines(values.entries) } : {}),
  });
  console.log(JSON.stringify(report, null, 2));
  if (report.failed) console.error(`${report.failed.check}: ${report.failed.detail}`);
  return report.ok ? 0 : 1;
}

async function verify(path: string, bulletins: string[]) {
  const kept = await Promise.all(bulletins.map(keptBulletin));
  const database = openSqliteReadOnly(path);
  try {
    const { current, needed } = await schemaVersion(database);
    if (current === null) throw new LedgerFileError(`${path} is not a ledger: it has no schema_migrations table`);
    if (current < needed) {
      throw new LedgerFileError(
        `the ledger at ${path} is at schema version ${current} and this code reads version ${needed}: run \`npm run cli -- migrate\` (on a copy, if this one must stay as it is), then verify`,
      );
    }
    if (current > needed) {
      throw new LedgerFileError(
        `the ledger at ${path} is at schema version ${current}, newer than this code (${needed}): verify it with the version that wrote it`,
      );
    }
    const report = await verifyLedger(
      { store: createLedgerStore(database), checkStretches: stretchWorkers(database.readPath) },
      { bulletins: kept },
    );
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError || error instanceof LedgerFileError ? error.message : error);
    process.exit(1);
  },
);
