import type { Clock, LegacySigningKeys } from "../domain/ports.ts";
import { generatePrivateJwk, type KeyVault, PrivateJwkSchema, type StoredKey } from "./key-vault.ts";

/** The longest token lifetime the configuration allows: a retired key verifies no longer than this. */
export const LONGEST_TOKEN_SECONDS = 86_400;

/**
 * The token keys, newest first, from the vault: generated on the first start where the vault is
 * writable (so `npm start` needs nothing), and moved there from the database where an older
 * version kept them in `signing_keys` (then deleted from the file, so no copy of it holds them).
 */
export async function loadTokenKeys(vault: KeyVault, legacy: LegacySigningKeys, clock: Clock): Promise<StoredKey[]> {
  let keys = await vault.read("token");
  const old = await legacy.legacySigningKeys();
  if (old.length > 0) {
    if (vault.write) {
      const known = new Set(keys.map((key) => key.jwk.x));
      const moved: StoredKey[] = old
        .map((row) => {
          const { kty, crv, x, d } = PrivateJwkSchema.parse(JSON.parse(row.privateJwk));
          return { jwk: { kty, crv, x, d, kid: row.kid }, createdAt: row.createdAt };
        })
        .filter((key) => !known.has(key.jwk.x));
      // With no key of its own the vault takes the old key as the signing one, so tokens already
      // issued stay valid; otherwise the old keys only verify, until their tokens expire.
      const retired = moved.map((key) => ({ ...key, retiredAt: clock.now().toISOString() }));
      if (moved.length > 0) keys = await vault.write("token", keys.length > 0 ? [...keys, ...retired] : moved);
    }
    await legacy.purgeLegacySigningKeys();
  }
  if (keys.length > 0) return keys;
  if (!vault.write) throw new Error(`no token signing key in ${vault.description}`);
  const first: StoredKey = { jwk: await generatePrivateJwk(), createdAt: clock.now().toISOString() };
  return vault.write("token", [first], { ifEmpty: true });
}

/**
 * A new signing key; the previous ones verify the tokens they signed until those expire, and keys
 * retired longer ago than any token lives are dropped. A running service picks the new key up
 * when restarted.
 */
export async function rotateTokenKey(vault: KeyVault, clock: Clock): Promise<{ current: StoredKey; kept: number }> {
  if (!vault.write) throw new Error(`the token keys are set in ${vault.description}: rotate them there`);
  const now = clock.now();
  const keep = (await vault.read("token"))
    .map((key) => (key.retiredAt ? key : { ...key, retiredAt: now.toISOString() }))
    .filter((key) => now.getTime() - Date.parse(key.retiredAt ?? now.toISOString()) <= LONGEST_TOKEN_SECONDS * 1000);
  const current: StoredKey = { jwk: await generatePrivateJwk(), createdAt: now.toISOString() };
  await vault.write("token", [current, ...keep]);
  return { current, kept: keep.length };
}
