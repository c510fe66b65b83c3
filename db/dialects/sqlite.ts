import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from "kysely";
import { asConstraintViolation, type LedgerDatabase, sqliteKysely } from "./ledger-database.ts";

export interface SqliteOptions {
  /** `synchronous=FULL` by default: an acknowledged write survives power loss. */
  synchronous?: "FULL" | "NORMAL";
  /** The most write attempts committed together (one fsync); 1 commits each on its own. */
  maxGroup?: number;
  /** Makes the write-ahead log durable; tests replace it to hold a sync open or fail it. */
  syncLog?: (walPath: string) => Promise<void>;
  /**
   * Whether reads go through a memory mapping of the file (the default, which a long-running
   * server keeps warm). A short-lived process that reads each page once, like the verify command,
   * does better without: on this VM a first-touch fault costs more than a pread.
   */
  mapped?: boolean;
  /** Told of each group COMMIT (its attempts) and each log sync (its seconds): the service's metrics. */
  observe?: { groupCommitted?(size: number): void; synced?(seconds: number): void };
}

const DEFAULT_MAX_GROUP = 32;

export function isInMemory(path: string) {
  return path === ":memory:" || path === "" || (path.startsWith("file:") && /[?&]mode=memory\b/.test(path));
}

/** Statements prepared once per connection and reused by their SQL text. */
function statementCache(connection: BetterSqlite3.Database) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = connection.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

/**
 * Kysely over better-sqlite3, without Kysely's SqliteDriver: that driver takes a mutex per query
 * (so a Kysely transaction can own the connection), which costs more than running most of our
 * queries; we use no Kysely transactions (writes go through `batch`). `prepared` names the
 * connection each query runs on and gives its statement, prepared once and reused by SQL text.
 */
function kyselyOn(
  /** The error that stopped the database, if any: after a failed log sync every query refuses. */
  broken: () => unknown,
  prepared: (sql: string) => BetterSqlite3.Statement,
) {
  const run: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      if (broken()) throw broken();
      const statement = prepared(query.sql);
      const parameters = query.parameters as unknown[];
      if (statement.reader) return { rows: statement.all(...parameters) as R[] };
      const { changes, lastInsertRowid } = statement.run(...parameters);
      return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
    },
    // biome-ignore lint/correctness/useYield: we never stream; Kysely calls this only for .stream()
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      throw new Error("streaming is not used; page instead");
    },
  };
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return run;
    },
    async beginTransaction() {
      throw new Error("no Kysely transactions: write through LedgerDatabase.batch");
    },
    async commitTransaction() {},
    async rollbackTransaction() {},
    async releaseConnection() {},
    // LedgerDatabase.close() closes the connections.
    async destroy() {},
  };
  return sqliteKysely(driver);
}

/**
 * fdatasync of the log file, on libuv's thread pool. The file is opened once and kept open:
 * SQLite truncates and reuses the log but removes it only when the last connection closes, and
 * this database's own connections stay open until `close()`.
 */
function logSyncer(): { sync: (walPath: string) => Promise<void>; close: () => Promise<void> } {
  let handle: Promise<FileHandle> | undefined;
  return {
    async sync(walPath) {
      handle ??= open(walPath, "r+");
      const opened = handle;
      try {
        await (await opened).datasync();
      } catch (error) {
        handle = undefined;
        await (await opened.catch(() => undefined))?.close().catch(() => {});
        throw error;
      }
    },
    async close() {
      const open = handle;
      handle = undefined;
      await (await open?.catch(() => undefined))?.close();
    },
  };
}

interface Attempt {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The ledger is its owner's alone: a new folder 0700, the database file 0600 before SQLite first
 * opens it (SQLite gives its -wal and -shm files the database file's mode), and an existing
 * file, log or index that others could read tightened to 0600.
 */
function ownerOnlyFiles(path: string) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  if (process.platform === "win32") return;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } catch (error) {
      // Absent (no log yet), or not ours to change (a copy read by another user).
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "EPERM") throw error;
    }
  }
}

/** A ledger file that cannot be used as asked: missing, not a ledger, or not writable. The message says what to do. */
export class LedgerFileError extends Error {}

const WRITE_REFUSED = new Set(["EROFS", "EACCES", "EPERM"]);

/**
 * The service and the writing commands need to write the file, its log and its folder (SQLite
 * creates the -wal and -shm files beside it). Checked before opening, so a read-only file or mount
 * is named at start instead of failing the first write as a log that "could not be synced".
 */
function assertWritable(path: string) {
  for (const target of [path, dirname(path)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      if (code === "ENOENT") continue; // created below
      if (!WRITE_REFUSED.has(code)) throw error;
      throw new LedgerFileError(
        `the ledger's database ${path} cannot be written (${code}: ${target === path ? "the file" : "its folder"} is read-only or not ours): the service and the commands that write need write access to the file and its folder; \`npm run cli -- verify\` checks a read-only copy as it is`,
      );
    }
  }
}

/** A read-only connection's settings: busy waits, a 64 MB cache, no mapping. */
function openReadOnlyConnection(path: string) {
  const raw = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    raw.pragma("busy_timeout = 5000");
    raw.pragma("cache_size = -65536");
    raw.pragma("mmap_size = 0");
    raw.prepare("SELECT count(*) FROM sqlite_schema").get();
    return raw;
  } catch (error) {
    raw.close();
    throw error;
  }
}

/**
 * A ledger in WAL mode is read through its -shm file, which a reader creates beside the database
 * when it is missing. In a read-only folder (a copy handed to an auditor, a read-only mount) that
 * cannot be done, and SQLite cannot open the file at all ("unable to open database file"). Its
 * `immutable` URI parameter would read the database without one, but this build of better-sqlite3
 * takes no URIs, and immutable would also skip a -wal file's committed transactions. So the file
 * and its -wal are copied into a private temporary folder (0700), read there, and removed on close.
 */
function privateCopy(path: string) {
  const folder = mkdtempSync(join(tmpdir(), "ledger-read-"));
  const copy = join(folder, "ledger.sqlite");
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    return { copy, remove: () => rmSync(folder, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

/** A ledger opened read-only, with the file that other read-only readers (verification's workers) open. */
export type ReadOnlyLedger = LedgerDatabase & { readPath: string };

/**
 * Opens an existing ledger to read it and nothing else (`verify`): SQLite's read-only mode, so a
 * read-only copy or mount can be checked, no migration runs and nothing is created. A missing file
 * is refused: a mistyped path must not be checked as an empty ledger that is "ok". A ledger in a
 * folder that a reader cannot write is read from a private copy (see privateCopy).
 */
export function openSqliteReadOnly(path: string): ReadOnlyLedger {
  if (isInMemory(path))
    throw new LedgerFileError("an in-memory ledger has nothing to read: set LEDGER_DATABASE to the file");
  if (!existsSync(path)) {
    throw new LedgerFileError(
      `no ledger at ${path}: check LEDGER_DATABASE (only the service and \`npm run cli -- migrate\` create one)`,
    );
  }
  let raw: BetterSqlite3.Database;
  let readPath = path;
  let remove = () => {};
  try {
    try {
      raw = openReadOnlyConnection(path);
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_CANTOPEN" || writableFolder(path)) throw error;
      const copied = privateCopy(path);
      readPath = copied.copy;
      remove = copied.remove;
      try {
        raw = openReadOnlyConnection(readPath);
      } catch (again) {
        remove();
        throw again;
      }
    }
  } catch (error) {
    throw new LedgerFileError(`${path} cannot be read as a ledger: ${(error as Error).message}`, { cause: error });
  }
  const db = kyselyOn(() => undefined, statementCache(raw));
  return {
    dialect: "sqlite",
    db,
    readDb: db,
    readPath,
    async batch() {
      throw new LedgerFileError(`${path} was opened read-only: this command writes nothing`);
    },
    async close() {
      if (raw.open) raw.close();
      remove();
    },
  };
}

function writableFolder(path: string) {
  try {
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The page size of a ledger file created here (see openSqlite). */
export const PAGE_SIZE = 8192;

export function openSqlite(path: string, options: SqliteOptions = {}): LedgerDatabase {
  const inMemory = isInMemory(path);
  if (!inMemory && !path.startsWith("file:")) {
    assertWritable(path);
    ownerOnlyFiles(path);
  }
  const raw = new BetterSqlite3(path);
  // A new ledger gets 8 KiB pages; an existing one keeps its own (only VACUUM changes a page size,
  // and not in WAL mode). Verification reads every page of the chain and of the state tables once,
  // one pread each: 8 KiB pages halve those reads, which took 15-18% off verifying a million
  // contracts, and record-contract throughput measured the same side by side (16 KiB pages cost
  // writes a fifth). VACUUM INTO a new file with `PRAGMA page_size = 8192` converts an old ledger.
  raw.pragma(`page_size = ${PAGE_SIZE}`);
  raw.pragma("journal_mode = WAL");
  const durable = (options.synchronous ?? "FULL") === "FULL";
  // A file database with durable writes syncs its write-ahead log itself, off the event loop
  // (see the group commit below): SQLite's own sync at COMMIT (FULL) would block every request
  // for as long as the disk takes. NORMAL in WAL mode still syncs around checkpoints.
  const syncsItself = durable && !inMemory && !path.startsWith("file:");
  raw.pragma(`synchronous = ${durable && !syncsItself ? "FULL" : "NORMAL"}`);
  raw.pragma("foreign_keys = ON");
  // Each write in a group runs in its own SAVEPOINT, whose journal (the pages as they were before
  // it) SQLite spills to a temporary file past 64 KiB: a group of contract writes did, creating,
  // writing and deleting a file in /var/tmp every commit. In memory, record-contract measured a
  // tenth to a fifth more throughput and a third less system time per request. Sorts and temporary
  // tables on this connection (migrations, verification's exact path) then stay in memory too.
  raw.pragma("temp_store = MEMORY");
  raw.pragma("busy_timeout = 5000");
  // Reads of a large ledger (verification, rollups) are served from memory, not page by page.
  raw.pragma("cache_size = -65536");
  const mapSize = options.mapped === false ? 0 : 1073741824;
  raw.pragma(`mmap_size = ${mapSize}`);

  // Reads that do not decide a write see only committed data: while a group of writes is open
  // (below), they go to a second connection, to which WAL gives the last committed snapshot (see
  // readDb). What is committed but not yet synced is visible; responses wait for it (durable()).
  // An in-memory database is private to its connection: it keeps one, and commits one by one.
  const reader = inMemory ? raw : new BetterSqlite3(path);
  if (reader !== raw) {
    reader.pragma("busy_timeout = 5000");
    reader.pragma("cache_size = -65536");
    reader.pragma(`mmap_size = ${mapSize}`);
    reader.pragma("query_only = ON");
  }

  const walPath = `${path}-wal`;
  const ownSync = options.syncLog ? undefined : logSyncer();
  const syncLog = options.syncLog ?? (ownSync as ReturnType<typeof logSyncer>).sync;
  // COMMITs made, and how many of them the last completed log sync covered. One sync runs at a
  // time; commits made while it runs are covered by the next, which starts when it ends (so a
  // failure is seen before anything after it is acknowledged).
  let committed = 0;
  let synced = 0;
  let syncRunning = false;
  let syncAgain = false;
  const waiters: { target: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  // A failed sync leaves the disk's state unknown: refuse everything until a restart, when
  // SQLite recovers from the log what really reached it.
  let broken: unknown;
  const untilSynced = (target: number): Promise<void> => {
    if (broken) return Promise.reject(broken);
    if (synced >= target) return Promise.resolve();
    return new Promise((resolve, reject) => waiters.push({ target, resolve, reject }));
  };
  const requestSync = () => {
    if (syncRunning) {
      syncAgain = true;
      return;
    }
    syncRunning = true;
    const covers = committed;
    const started = performance.now();
    syncLog(walPath).then(
      () => {
        options.observe?.synced?.((performance.now() - started) / 1000);
        synced = covers;
        syncRunning = false;
        const ready = waiters.filter((w) => w.target <= synced);
        waiters.splice(0, waiters.length, ...waiters.filter((w) => w.target > synced));
        for (const waiter of ready) waiter.resolve();
        if (syncAgain) {
          syncAgain = false;
          requestSync();
        }
      },
      (error) => {
        const code = (error as NodeJS.ErrnoException).code ?? "";
        broken = WRITE_REFUSED.has(code)
          ? new Error(
              `the write-ahead log cannot be written (${code}: a read-only file or mount): give the service write access to the ledger's folder, then restart it`,
              { cause: error },
            )
          : new Error(`the write-ahead log could not be synced to disk; restart the service: ${error}`, {
              cause: error,
            });
        syncRunning = false;
        for (const waiter of waiters.splice(0)) waiter.reject(broken);
      },
    );
  };
  /** Call right after a COMMIT: resolves once that COMMIT is on disk. */
  const syncCommitted = (): Promise<void> => {
    const target = ++committed;
    requestSync();
    return untilSynced(target);
  };
  const prepared = statementCache(raw);
  // Transaction control, prepared once: a group runs five of these per attempt or per COMMIT.
  const control = (sql: string) => {
    const statement = raw.prepare(sql);
    return () => statement.run();
  };
  const begin = control("BEGIN IMMEDIATE");
  const commit = control("COMMIT");
  const rollback = control("ROLLBACK");
  const savepoint = control("SAVEPOINT attempt");
  const release = control("RELEASE attempt");
  const rollbackTo = control("ROLLBACK TO attempt");
  const runAll = raw.transaction((queries: readonly CompiledQuery[]) => {
    for (const query of queries) prepared(query.sql).run(...(query.parameters as unknown[]));
  });
  const isBroken = () => broken;
  const db = kyselyOn(isBroken, prepared);
  // Reads that need only committed data run on the writing connection whenever no group is open
  // on it: then it shows exactly what is committed, as the reading connection would, and its page
  // cache is still warm. The reading connection starts each read by dropping its cache whenever the
  // log has moved (every commit), which made one key lookup cost as much as deciding a write.
  // While a group is open (an attempt awaiting something slower than the database), they go to
  // the reading connection, which never shows what that group has not committed.
  const readerPrepared = statementCache(reader);
  const readDb =
    reader === raw
      ? db
      : kyselyOn(isBroken, (sql) => {
          if (raw.inTransaction) return readerPrepared(sql);
          const statement = prepared(sql);
          // `readonly`, not `reader`: INSERT ... RETURNING returns rows too.
          if (!statement.readonly) throw new Error("the reading side of the store does not write");
          return statement;
        });

  /**
   * Group commit. Attempts queue and run one at a time, so each reads what the ones before it
   * wrote and none has to retry. Those queued together (requests that arrived while the last
   * group was being written) run inside one transaction, each in a savepoint of its own,
   * and are acknowledged only once that COMMIT is on disk: one log sync for the group instead of
   * one per write, run off the event loop while the next group is decided. Reads on the reading
   * connection see what is committed at once; `durable()` lets a response wait until all of it
   * is on disk (create-app.ts holds every response for it).
   * An attempt that fails rolls back its savepoint alone; if the COMMIT or the sync fails, every
   * attempt in the group fails.
   */
  const maxGroup = reader === raw ? 1 : Math.max(1, options.maxGroup ?? DEFAULT_MAX_GROUP);
  const queue: Attempt[] = [];
  let draining = false;

  const settle = (attempt: Attempt, outcome: Settled): void => {
    if (outcome.ok) attempt.resolve(outcome.value);
    else attempt.reject(outcome.error);
  };
  const runOne = async (attempt: Attempt): Promise<Settled> => {
    try {
      return { ok: true, value: await attempt.run() };
    } catch (error) {
      return { ok: false, error };
    }
  };

  async function runGroup(group: Attempt[]) {
    if (maxGroup === 1) {
      for (const attempt of group) settle(attempt, await runOne(attempt));
      return;
    }
    let outcomes: Settled[] = [];
    let members: Attempt[] = [];
    const failAll = (error: unknown) => {
      for (const [i, attempt] of members.entries()) {
        const outcome = outcomes[i];
        settle(attempt, outcome?.ok === false ? outcome : { ok: false, error });
      }
      outcomes = [];
      members = [];
    };
    for (const attempt of group) {
      if (broken) {
        settle(attempt, { ok: false, error: broken });
        continue;
      }
      if (!raw.inTransaction) {
        try {
          begin();
        } catch (error) {
          failAll(error);
          settle(attempt, { ok: false, error });
          continue;
        }
      }
      // Its own savepoint: an attempt that fails leaves nothing behind, whatever it wrote first.
      savepoint();
      const outcome = await runOne(attempt);
      if (raw.inTransaction) {
        if (!outcome.ok) rollbackTo();
        release();
      }
      members.push(attempt);
      outcomes.push(outcome);
      // SQLite rolls the whole transaction back on some errors (I/O, disk full): then nothing
      // decided in this group so far was kept, and each of those attempts must fail too.
      if (!raw.inTransaction) failAll(outcome.ok ? new Error("the write was rolled back") : outcome.error);
    }
    if (!raw.inTransaction) return;
    try {
      commit();
    } catch (error) {
      if (raw.inTransaction) rollback();
      failAll(error);
      return;
    }
    const committed = members;
    const results = outcomes;
    options.observe?.groupCommitted?.(committed.length);
    if (!syncsItself) {
      for (const [i, attempt] of committed.entries()) settle(attempt, results[i] as Settled);
      return;
    }
    // Acknowledged once the log is on disk. Meanwhile the next group is already being decided.
    syncCommitted().then(
      () => {
        for (const [i, attempt] of committed.entries()) settle(attempt, results[i] as Settled);
      },
      (error) => {
        for (const [i, attempt] of committed.entries()) {
          const outcome = results[i];
          settle(attempt, outcome?.ok === false ? outcome : { ok: false, error });
        }
      },
    );
  }

  async function drain() {
    try {
      while (queue.length > 0) await runGroup(queue.splice(0, maxGroup));
    } finally {
      draining = false;
    }
  }

  return {
    dialect: "sqlite",
    db,
    readDb,
    attempt<T>(run: () => Promise<T>) {
      return new Promise<T>((resolve, reject) => {
        queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
        if (!draining) {
          draining = true;
          // After this turn's I/O callbacks: requests that arrived together are grouped.
          setImmediate(drain);
        }
      });
    },
    async batch(queries) {
      if (broken) throw broken;
      const inGroup = raw.inTransaction;
      try {
        runAll(queries);
      } catch (error) {
        throw asConstraintViolation(error) ?? error;
      }
      // Inside a group the group's sync covers it; on its own (migrations, the CLI) it waits here.
      if (syncsItself && !inGroup) await syncCommitted();
    },
    durable() {
      return untilSynced(committed);
    },
    async close() {
      await untilSynced(committed).catch(() => {});
      await ownSync?.close();
      if (reader !== raw && reader.open) reader.close();
      if (raw.open) raw.close();
    },
  };
}
