import { CompactSign, importJWK } from "jose";
import { ServiceUnavailableError } from "../domain/errors.ts";
import type { Clock } from "../domain/ports.ts";
import { generatePrivateJwk, type KeyVault, keyId, publicJwk, SIGNING_ALGORITHM, type StoredKey } from "./key-vault.ts";

/** The JWS type of a bulletin (../shared/api.md). */
export const BULLETIN_JWS_TYPE = "bulletin+jws";

/**
 * Signs bulletins with the newest bulletin key (Ed25519, never the token key) and publishes every
 * bulletin key ever used, so that a bulletin signed before a rotation still verifies. The keys
 * live in the vault (the key file beside the database, 0600, or the LEDGER_BULLETIN_KEY setting),
 * never in the database.
 */
export interface BulletinSigner {
  /** A compact JWS over the payload's JSON; throws ServiceUnavailableError where no key is set. */
  sign(payload: unknown): Promise<string>;
  /** Every bulletin key's public half (kid = RFC 7638 thumbprint), newest first. */
  publicKeys(): Record<string, string>[];
}

export async function loadBulletinSigner(vault: KeyVault, clock: Clock): Promise<BulletinSigner> {
  let keys = await vault.read("bulletin");
  if (keys.length === 0 && vault.write) {
    const first: StoredKey = { jwk: await generatePrivateJwk(), createdAt: clock.now().toISOString() };
    keys = await vault.write("bulletin", [first], { ifEmpty: true });
  }
  const published = await Promise.all(keys.map(async (key) => publicJwk(key.jwk, await keyId(key.jwk))));
  const [current] = keys;
  if (!current) {
    return {
      sign: () =>
        Promise.reject(
          new ServiceUnavailableError(
            `no bulletin signing key in ${vault.description}: set LEDGER_BULLETIN_KEY (an Ed25519 private JWK) to publish bulletins`,
          ),
        ),
      publicKeys: () => [],
    };
  }
  const kid = await keyId(current.jwk);
  const { kty, crv, x, d } = current.jwk;
  const privateKey = await importJWK({ kty, crv, x, d }, SIGNING_ALGORITHM);
  return {
    async sign(payload) {
      return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: BULLETIN_JWS_TYPE })
        .sign(privateKey);
    },
    publicKeys: () => published.map((jwk) => ({ ...jwk })),
  };
}

/**
 * A new bulletin key signs from now on; every earlier one stays (retired), since a bulletin is
 * verifiable for as long as anyone keeps it. A running service picks the new key up when restarted.
 */
export async function rotateBulletinKey(vault: KeyVault, clock: Clock): Promise<{ current: StoredKey; kept: number }> {
  if (!vault.write) throw new Error(`the bulletin keys are set in ${vault.description}: rotate them there`);
  const now = clock.now().toISOString();
  const kept = (await vault.read("bulletin")).map((key) => (key.retiredAt ? key : { ...key, retiredAt: now }));
  const current: StoredKey = { jwk: await generatePrivateJwk(), createdAt: now };
  await vault.write("bulletin", [current, ...kept]);
  return { current, kept: kept.length };
}
