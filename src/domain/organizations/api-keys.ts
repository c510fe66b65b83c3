import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../ledger/audit-chain.ts";
import type { ApiKeyRecord } from "../ports.ts";

/**
 * An API key reads `tml.<keyId>.<secret>`: the id finds the stored row, the secret is checked
 * against its SHA-256. Secrets are 256 random bits, so a plain hash is enough (no stretching).
 */
const PREFIX = "tml";

export function formatApiKey(keyId: string, secret: string): string {
  return `${PREFIX}.${keyId}.${secret}`;
}

export function parseApiKey(apiKey: string): { keyId: string; secret: string } | null {
  const parts = apiKey.split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return null;
  return { keyId: parts[1], secret: parts[2] };
}

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

/**
 * What the audit chain records of a key: everything but the secret's hash, which is replaced by a
 * hash of it. Verification still catches a swapped secret hash; nobody reads a credential hash
 * out of the audit log.
 */
export function apiKeyState(key: ApiKeyRecord) {
  const { secretHash, ...rest } = key;
  return { ...rest, secretFingerprint: sha256Hex(`fingerprint:${secretHash}`) };
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
