import { constants, type Stats } from "node:fs";
import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { isInMemory } from "../../db/dialects/sqlite.ts";
import {
  configuredVault,
  type KeyPurpose,
  type KeyVault,
  memoryVault,
  type StoredKey,
  StoredKeysSchema,
} from "../crypto/key-vault.ts";
import type { Config } from "./config.ts";

const KeyFileSchema = z.object({
  format: z.literal("tech-market-ledger keys 1"),
  token: StoredKeysSchema.default([]),
  bulletin: StoredKeysSchema.default([]),
});
type KeyFile = z.infer<typeof KeyFileSchema>;

const EMPTY: KeyFile = { format: "tech-market-ledger keys 1", token: [], bulletin: [] };

/** Where the service keeps its private keys on Node: the environment, a key file, or (for a ledger in memory) memory. */
export function nodeKeyVault(config: Config): KeyVault {
  if (config.LEDGER_SIGNING_KEY) {
    return configuredVault(
      "LEDGER_SIGNING_KEY",
      config.LEDGER_SIGNING_KEY,
      config.LEDGER_BULLETIN_KEY ? { variable: "LEDGER_BULLETIN_KEY", keys: config.LEDGER_BULLETIN_KEY } : undefined,
    );
  }
  if (!config.LEDGER_KEY_FILE && isInMemory(config.LEDGER_DATABASE)) return memoryVault();
  return fileVault(keyFilePath(config));
}

export function keyFilePath(config: Config): string {
  return config.LEDGER_KEY_FILE ?? `${config.LEDGER_DATABASE.replace(/^file:/, "").replace(/\?.*$/, "")}.keys.json`;
}

function ownerOnly(stats: Stats): boolean {
  return process.platform === "win32" || (stats.mode & 0o077) === 0;
}

/**
 * A JSON file of private keys, readable by its owner alone (0600), outside the database: a copy
 * of the ledger file holds no key. Created with O_EXCL, so two processes starting on a new ledger
 * keep one key; replaced whole (a temporary file, fsync, rename), so a crash leaves the old or the
 * new file, never half of one. A file that others can read is refused, not silently used.
 */
export function fileVault(path: string): KeyVault {
  const describe = `the key file ${path}`;

  async function load(): Promise<KeyFile | undefined> {
    let stats: Stats;
    try {
      stats = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    if (!ownerOnly(stats)) {
      throw new Error(
        `${describe} can be read by others (mode ${(stats.mode & 0o777).toString(8)}): it holds the service's private keys; run  chmod 600 ${path}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new Error(`${describe} is not valid JSON: ${(error as Error).message}`);
    }
    const result = KeyFileSchema.safeParse(parsed);
    if (!result.success) {
      const first = result.error.issues[0];
      throw new Error(`${describe} is not a key file: ${first?.path.join(".") || "(top)"} ${first?.message}`);
    }
    return result.data;
  }

  async function writeNew(content: KeyFile, target: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function syncFolder(): Promise<void> {
    const folder = await open(dirname(path), "r");
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  return {
    description: describe,
    async read(purpose) {
      return (await load())?.[purpose] ?? [];
    },
    async write(purpose: KeyPurpose, keys: StoredKey[], options = {}) {
      const existing = await load();
      if (options.ifEmpty) {
        if (existing && existing[purpose].length > 0) return existing[purpose];
        if (!existing) {
          try {
            await writeNew({ ...EMPTY, [purpose]: keys }, path);
            await syncFolder();
            return keys;
          } catch (error) {
            // Another process created it first: use what it wrote.
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            const theirs = await load();
            if (theirs && theirs[purpose].length > 0) return theirs[purpose];
          }
        }
      }
      const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
      try {
        await writeNew({ ...EMPTY, ...(await load()), [purpose]: keys }, temporary);
        await rename(temporary, path);
      } catch (error) {
        await unlink(temporary).catch(() => {});
        throw error;
      }
      await chmod(path, 0o600);
      await syncFolder();
      return keys;
    },
  };
}
