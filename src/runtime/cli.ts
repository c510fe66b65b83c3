import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { Presets, SingleBar } from "cli-progress";
import { Command, CommanderError } from "commander";
import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import { isInMemory, LedgerFileError, openSqlite, openSqliteReadOnly } from "../../db/dialects/sqlite.ts";
import { backupSqlite, restoreSqlite } from "../../db/dialects/sqlite-backup.ts";
import { migrate, schemaVersion } from "../../db/migrate.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { defaultJwks, readJson, SourceError, sourceLines } from "../bulletins/sources.ts";
import { checkBulletin } from "../bulletins/verify-bulletin.ts";
import { rotateBulletinKey } from "../crypto/bulletin-keys.ts";
import { generatePrivateJwk } from "../crypto/key-vault.ts";
import { loadTokenKeys, rotateTokenKey } from "../crypto/token-keys.ts";
import { createOperator } from "../domain/organizations/create-operator.ts";
import { revokeKeyOnCommandLine } from "../domain/organizations/revoke-api-key.ts";
import type { AnchorBulletin } from "../domain/verification/verify-bulletins.ts";
import { verifyLedger } from "../domain/verification/verify-ledger.ts";
import { runImport } from "../import/run-import.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { buildDeps, systemClock } from "./deps.ts";
import { nodeKeyVault } from "./key-file.ts";
import { leafHashWorkers } from "./leaf-hash-workers.ts";
import { openApiDocument } from "./openapi-document.ts";
import { stretchWorkers } from "./verify-workers.ts";

type Config = ReturnType<typeof parseConfig>;

/** Commands that change the ledger: they migrate it first; only migrate may create the file. */
async function onWritableLedger(config: Config, command: string, run: (database: LedgerDatabase) => Promise<number>) {
  // Only migrate (and the service) create a ledger: a command on a mistyped path must not make one.
  if (command !== "migrate" && !isInMemory(config.LEDGER_DATABASE) && !existsSync(config.LEDGER_DATABASE)) {
    throw new LedgerFileError(
      `no ledger at ${config.LEDGER_DATABASE}: check LEDGER_DATABASE (or --database), or create one with \`npm start\` or \`npm run cli -- migrate\``,
    );
  }
  const database = openSqlite(config.LEDGER_DATABASE);
  try {
    const report = await migrate(database);
    if (command === "migrate") {
      console.log(JSON.stringify(report));
      return 0;
    }
    return await run(database);
  } finally {
    await database.close();
  }
}

/**
 * The command line, on commander: \`--help\` on every command (exit 0), unknown commands and
 * flags named with the usage (exit 2), user errors as one line without a stack trace (exit 1),
 * \`--database\` as well as LEDGER_DATABASE.
 */
function program(setExit: (code: number) => void) {
  const cli = new Command("npm run cli --")
    .description("the ledger's command line (every command but migrate refuses a ledger file that does not exist)")
    .option("--database <path>", "the ledger's database file (default LEDGER_DATABASE, else ./data/ledger.sqlite)")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  const config = () => {
    const { database } = cli.opts<{ database?: string }>();
    return parseConfig(database ? { ...process.env, LEDGER_DATABASE: database } : process.env);
  };
  const act =
    <A extends unknown[]>(run: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await run(...args));

  cli
    .command("migrate")
    .description("apply pending database migrations (creates the ledger if it does not exist)")
    .action(act(async () => onWritableLedger(config(), "migrate", async () => 0)));
  cli
    .command("create-operator")
    .description("add an operator (a person at the registry); prints its API key once")
    .requiredOption("--name <name>", "the operator's name")
    .action(
      act(async (options: { name: string }) => {
        const name = options.name.trim();
        if (!name) throw new UsageError("create-operator needs --name NAME");
        const c = config();
        return onWritableLedger(c, "create-operator", async (database) => {
          const deps = await buildDeps(database, c, { vault: nodeKeyVault(c) });
          console.log(JSON.stringify(await createOperator(deps, name), null, 2));
          return 0;
        });
      }),
    );
  cli
    .command("revoke-key")
    .description("revoke any API key, an operator's included (over HTTP an operator revokes members' keys and its own)")
    .requiredOption("--key <keyId>", "the key's id")
    .action(
      act(async (options: { key: string }) => {
        const c = config();
        return onWritableLedger(c, "revoke-key", async (database) => {
          const deps = await buildDeps(database, c, { vault: nodeKeyVault(c) });
          const revoked = await revokeKeyOnCommandLine(deps, options.key.trim());
          console.log(
            JSON.stringify({ id: revoked.id, holder: revoked.holder, revokedAt: revoked.revokedAt }, null, 2),
          );
          return 0;
        });
      }),
    );
  cli
    .command("verify")
    .description(
      "recompute the audit chain and check every record against it (exit 1 if it fails); reads the file as it is (read-only, never migrated); also checks the ledger against every bulletin it holds and each one given",
    )
    .option("--bulletin <fileOrUrl...>", "a bulletin kept outside the ledger (repeatable)")
    .action(act(async (options: { bulletin?: string[] }) => verify(config().LEDGER_DATABASE, options.bulletin ?? [])));
  cli
    .command("verify-bulletin")
    .description(
      "check a bulletin (a file or URL) with no database: signature, payload, arithmetic, the link to the previous one, and with the entries the root and every figure",
    )
    .argument("<bulletin>", "the bulletin, a file or URL (GET /v1/bulletins/{id})")
    .option("--jwks <fileOrUrl>", "the JWKS (default: the bulletin URL's origin /.well-known/jwks.json)")
    .option("--previous <bulletin>", "the bulletin published before it")
    .option("--entries <fileOrUrl>", "its tree's leaves (GET /v1/bulletins/{id}/entries)")
    .action(act(verifyBulletinCommand));
  cli
    .command("import")
    .description(
      "load contracts registered in the market's earlier system (.csv or .xlsx, one per row; README, Historical import): every row checked first, nothing written if one is bad unless --skip-invalid; a re-run doubles nothing",
    )
    .argument("<file>", "a .csv (UTF-8) or .xlsx file")
    .option("--dry-run", "check every row and write nothing")
    .option("--skip-invalid", "import the valid rows of a file that has bad ones")
    .option("--json", "print the report as JSON (last)")
    .option("--operator <name>", "who runs the import, for the audit chain", userInfo().username)
    .action(
      act(
        async (
          file: string,
          options: { dryRun?: boolean; skipInvalid?: boolean; json?: boolean; operator: string },
        ) => {
          if (!existsSync(file)) throw new LedgerFileError(`no file at ${file}`);
          const c = config();
          return onWritableLedger(c, "import", async (database) => {
            const deps = await buildDeps(database, c, { vault: nodeKeyVault(c) });
            if (!(await deps.store.findOperatorOrganization())) {
              throw new LedgerFileError(
                "the ledger has no operator yet: create one first (npm run cli -- create-operator --name NAME); imports are recorded under the market's operator organisation",
              );
            }
            const bar =
              process.stderr.isTTY && !options.json
                ? new SingleBar(
                    {
                      format: "{phase} [{bar}] {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}",
                      stream: process.stderr,
                    },
                    Presets.shades_classic,
                  )
                : null;
            let started = Date.now();
            let phase = "";
            const report = await runImport(deps, {
              path: file,
              operator: options.operator,
              dryRun: options.dryRun === true,
              skipInvalid: options.skipInvalid === true,
              progress: (now, done, total) => {
                if (!bar) return;
                if (now !== phase) {
                  bar.stop();
                  phase = now;
                  started = Date.now();
                  bar.start(total || done, 0, { phase: now, rate: 0 });
                }
                if (!total) bar.setTotal(done);
                bar.update(done, {
                  phase: now,
                  rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)),
                });
              },
            });
            bar?.stop();
            if (options.json) console.log(JSON.stringify(report));
            else {
              for (const problem of report.invalid)
                console.error(`line ${problem.line}, ${problem.column}: ${problem.detail}`);
              console.log(
                `${report.file} (sha256 ${report.sha256}): ${report.rows} rows, ${report.imported} imported, ${report.skipped} already in the ledger, ${new Set(report.invalid.map((p) => p.line)).size} invalid${options.dryRun ? " (dry run: nothing written)" : report.invalid.length > 0 && !options.skipInvalid ? " (nothing written: fix them, or pass --skip-invalid)" : ""}`,
              );
            }
            return report.invalid.length > 0 ? 1 : 0;
          });
        },
      ),
    );
  cli
    .command("rotate-signing-key")
    .description(
      "sign tokens with a new key from now on (restart the service); tokens of the previous key stay valid until they expire",
    )
    .action(
      act(async () => {
        const c = config();
        const vault = nodeKeyVault(c);
        if (!vault.write) {
          console.error(
            `the token keys are set in ${vault.description}: put the new key first there (a JWK Set keeps the old one verifying)`,
          );
          return 2;
        }
        return onWritableLedger(c, "rotate-signing-key", async (database) => {
          // Moves keys an older version kept in the database into the vault first.
          await loadTokenKeys(vault, createLedgerStore(database), systemClock);
          const { current, kept } = await rotateTokenKey(vault, systemClock);
          console.log(
            JSON.stringify({ kid: current.jwk.kid, keptForVerification: kept, vault: vault.description }, null, 2),
          );
          console.error("restart the service to sign with the new key");
          return 0;
        });
      }),
    );
  cli
    .command("rotate-bulletin-key")
    .description(
      "sign bulletins with a new key from now on (restart the service); every earlier bulletin key stays in the JWKS",
    )
    .action(
      act(async () => {
        const vault = nodeKeyVault(config());
        const { current, kept } = await rotateBulletinKey(vault, systemClock);
        console.log(JSON.stringify({ kid: current.jwk.kid, earlierKeys: kept, vault: vault.description }, null, 2));
        console.error("restart the service to sign bulletins with the new key; earlier bulletins still verify");
        return 0;
      }),
    );
  cli
    .command("generate-signing-key")
    .description(
      "print a new private Ed25519 JWK, for LEDGER_SIGNING_KEY or LEDGER_BULLETIN_KEY (a Worker secret); stores nothing",
    )
    .action(
      act(async () => {
        console.log(JSON.stringify(await generatePrivateJwk()));
        return 0;
      }),
    );
  cli
    .command("openapi")
    .description("print the OpenAPI document (what GET /openapi.json serves), without a server or a ledger")
    .option("--output <file>", "write it to this file instead")
    .action(
      act(async (options: { output?: string }) => {
        const text = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
        if (options.output) await writeFile(options.output, text);
        else process.stdout.write(text);
        return 0;
      }),
    );
  cli
    .command("backup")
    .description("an online backup (the service may keep running) to a new file, 0600; prints its head")
    .argument("<file>", "the backup file to create")
    .action(
      act(async (file: string) => {
        const c = config();
        if (isInMemory(c.LEDGER_DATABASE)) throw new LedgerFileError("an in-memory ledger has no file to back up");
        return backup(c.LEDGER_DATABASE, file);
      }),
    );
  cli
    .command("restore")
    .description(
      "verify a backup and put it in place of the ledger (stop the service first); the ledger it replaces is kept as LEDGER_DATABASE.before-restore-TIME",
    )
    .argument("<file>", "the backup to restore")
    .option("--force", "restore although the ledger's -wal file exists")
    .action(
      act(async (file: string, options: { force?: boolean }) => {
        const c = config();
        if (isInMemory(c.LEDGER_DATABASE)) throw new LedgerFileError("an in-memory ledger has no file to restore");
        return restore(file, c.LEDGER_DATABASE, options.force === true);
      }),
    );
  return cli;
}

/** A command used wrongly, found after commander's own checks: its message and exit 2. */
class UsageError extends Error {}

async function main(argv: string[]) {
  let code = 0;
  const cli = program((exit) => {
    code = exit;
  });
  if (argv.length === 0) {
    cli.outputHelp({ error: true });
    return 2;
  }
  try {
    await cli.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are answers, not errors; everything else commander refuses is usage.
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.help" ||
        error.code === "commander.version"
        ? 0
        : 2;
    }
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  return code;
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

/**
 * Checks the ledger as it is on disk: opened read-only (a read-only copy or mount can be checked),
 * never migrated or created. Verification reads each page about once, in a fresh process.
 */
/** A bulletin someone kept, for `verify --bulletin`: its payload, as the ledger signed it. */
async function keptBulletin(source: string): Promise<AnchorBulletin> {
  const bulletin = (await readJson(source)) as { payload?: AnchorBulletin["payload"] };
  if (!bulletin?.payload?.ledgerHead || !bulletin.payload.merkle) {
    throw new LedgerFileError(`${source} is not a bulletin (GET /v1/bulletins/{id} gives one)`);
  }
  return { payload: bulletin.payload, source };
}

async function verifyBulletinCommand(source: string, options: { jwks?: string; previous?: string; entries?: string }) {
  const jwks = options.jwks ?? defaultJwks(source);
  if (!jwks) throw new UsageError("verify-bulletin needs --jwks FILE_OR_URL for a bulletin read from a file");
  const report = await checkBulletin({
    bulletin: await readJson(source),
    jwks: await readJson(jwks),
    ...(options.previous ? { previous: await readJson(options.previous) } : {}),
    ...(options.entries ? { entries: sourceLines(options.entries) } : {}),
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
      {
        store: createLedgerStore(database),
        checkStretches: stretchWorkers(database.readPath),
        leafHashes: leafHashWorkers(database.readPath),
      },
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
    console.error(
      error instanceof ConfigError || error instanceof LedgerFileError || error instanceof SourceError
        ? error.message
        : error,
    );
    process.exit(1);
  },
);
