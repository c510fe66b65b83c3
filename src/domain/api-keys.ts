import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "./audit-chain.ts";

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

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
