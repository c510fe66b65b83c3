import { CompactSign, calculateJwkThumbprint, compactVerify, exportJWK, generateKeyPair, importJWK } from "jose";
import { z } from "zod";

/**
 * Where the service's private keys live: never in the ledger database, so that whoever can read
 * (or copy) the database file cannot sign as the service. On Node a key file beside the database
 * (0600, see runtime/key-file.ts) or the environment; on Workers a secret binding; in tests memory.
 *
 * Each purpose holds its keys newest first: the first signs, the others only verify what they
 * signed before a rotation, until `retiredAt` plus the longest lifetime of what they signed.
 */
export type KeyPurpose = "token" | "bulletin";

export interface StoredKey {
  jwk: PrivateJwk;
  createdAt: string;
  retiredAt?: string;
}

export interface KeyVault {
  /** Where the keys are, for messages (never the keys). */
  readonly description: string;
  read(purpose: KeyPurpose): Promise<StoredKey[]>;
  /**
   * Replaces the keys of one purpose. Absent where keys are set by configuration (the
   * environment, a Worker secret): the service cannot generate or rotate those.
   * With `ifEmpty`, writes only if the purpose has no key yet and returns what is there then, so
   * two processes starting on a new ledger agree on one key.
   */
  write?(purpose: KeyPurpose, keys: StoredKey[], options?: { ifEmpty?: boolean }): Promise<StoredKey[]>;
}

export const SIGNING_ALGORITHM = "EdDSA";

const base64url32 = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .regex(/^[A-Za-z0-9_-]{43}$/, `${what} must be 32 bytes in base64url (43 characters)`);

/** An Ed25519 private key as a JWK (RFC 8037). Anything else (`oct`, RSA, EC, a public key) is refused. */
export const PrivateJwkSchema = z.looseObject({
  kty: z.literal("OKP", { error: 'kty must be "OKP" (an Ed25519 key)' }),
  crv: z.literal("Ed25519", { error: 'crv must be "Ed25519"' }),
  x: base64url32("x (the public key)"),
  d: base64url32("d (the private key)"),
  kid: z.string().min(1).max(200).optional(),
});
export type PrivateJwk = z.infer<typeof PrivateJwkSchema>;

/** One private Ed25519 JWK, or a JWK Set whose first key signs and whose others still verify. */
export const PrivateJwkSettingSchema = z.union([
  PrivateJwkSchema.transform((jwk) => [jwk]),
  z.object({ keys: z.array(PrivateJwkSchema).min(1).max(10) }).transform((set) => set.keys),
]);

const StoredKeySchema = z.object({
  jwk: PrivateJwkSchema,
  createdAt: z.string(),
  retiredAt: z.string().optional(),
});
export const StoredKeysSchema = z.array(StoredKeySchema);

/** The public half, built from `kty`, `crv` and `x` alone: nothing else of a private JWK is published. */
export function publicJwk(jwk: PrivateJwk, kid: string): Record<string, string> {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: SIGNING_ALGORITHM, use: "sig" };
}

/** The key's id: its own, or the RFC 7638 thumbprint of its public half. */
export async function keyId(jwk: PrivateJwk): Promise<string> {
  return jwk.kid ?? calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "sha256");
}

/** A new Ed25519 key whose `kid` is its RFC 7638 thumbprint. */
export async function generatePrivateJwk(): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: "Ed25519", extractable: true });
  const exported = await exportJWK(privateKey);
  const jwk = PrivateJwkSchema.parse({ kty: exported.kty, crv: exported.crv, x: exported.x, d: exported.d });
  return { ...jwk, kid: await keyId(jwk) };
}

/** Refuses a JWK whose private half `d` does not belong to its public half `x` (a pasted mismatch). */
export async function assertKeyPair(jwk: PrivateJwk, where: string): Promise<void> {
  const probe = new TextEncoder().encode("tech-market-ledger key check");
  try {
    const privateKey = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, SIGNING_ALGORITHM);
    const publicKey = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, SIGNING_ALGORITHM);
    const signed = await new CompactSign(probe).setProtectedHeader({ alg: SIGNING_ALGORITHM }).sign(privateKey);
    await compactVerify(signed, publicKey);
  } catch {
    throw new Error(`${where}: the private key d does not match the public key x`);
  }
}

/** Keys kept in memory: tests, and a ledger in memory (whose tokens die with the process anyway). */
export function memoryVault(initial: Partial<Record<KeyPurpose, StoredKey[]>> = {}): KeyVault {
  const held = new Map<KeyPurpose, StoredKey[]>(Object.entries(initial) as [KeyPurpose, StoredKey[]][]);
  return {
    description: "memory",
    async read(purpose) {
      return [...(held.get(purpose) ?? [])];
    },
    async write(purpose, keys, options = {}) {
      const current = held.get(purpose) ?? [];
      if (options.ifEmpty && current.length > 0) return [...current];
      held.set(purpose, [...keys]);
      return [...keys];
    },
  };
}

/**
 * Keys set by configuration (`LEDGER_SIGNING_KEY`, and `LEDGER_BULLETIN_KEY` for bulletins, already
 * validated by the config schema): read-only.
 */
export function configuredVault(
  variable: string,
  keys: PrivateJwk[],
  bulletin?: { variable: string; keys: PrivateJwk[] },
): KeyVault {
  const checked = new Map<KeyPurpose, Promise<StoredKey[]>>();
  const set: Record<KeyPurpose, { variable: string; keys: PrivateJwk[] }> = {
    token: { variable, keys },
    bulletin: bulletin ?? { variable: "LEDGER_BULLETIN_KEY", keys: [] },
  };
  return {
    description: `the ${variable}${bulletin ? ` and ${bulletin.variable}` : ""} variable${bulletin ? "s" : ""}`,
    read(purpose) {
      const { variable: name, keys: configured } = set[purpose];
      let read = checked.get(purpose);
      if (!read) {
        read = (async () => {
          for (const [index, jwk] of configured.entries()) await assertKeyPair(jwk, `${name} key ${index + 1}`);
          return configured.map((jwk) => ({ jwk, createdAt: "1970-01-01T00:00:00.000Z" }));
        })();
        checked.set(purpose, read);
      }
      return read;
    },
  };
}
