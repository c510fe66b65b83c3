import { type CryptoKey, importJWK, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { UnauthenticatedError } from "../domain/errors.ts";
import type { Clock, Signer, TokenClaims } from "../domain/ports.ts";
import { keyId, publicJwk, SIGNING_ALGORITHM, type StoredKey } from "./key-vault.ts";

export { SIGNING_ALGORITHM };

const VERIFIED_CACHE_SIZE = 10_000;

export interface TokenSettings {
  issuer: string;
  audience: string;
  /** The longest a token is accepted after its `iat`, whatever its `exp` says. */
  maxAgeSeconds: number;
}

class UnknownKeyError extends Error {}

interface Verifier {
  key: CryptoKey | Uint8Array;
  /** A retired key verifies only what it signed before it was retired. */
  retiredAt?: number;
  jwk: Record<string, string>;
}

/** Signs with the first of `keys` (newest first); verifies with whichever of them a token's `kid` names. */
export async function createJoseSigner(keys: StoredKey[], settings: TokenSettings, clock: Clock): Promise<Signer> {
  const [current] = keys;
  if (!current) throw new Error("no token signing key");
  const currentKid = await keyId(current.jwk);
  const { kty, crv, x, d } = current.jwk;
  const privateKey = await importJWK({ kty, crv, x, d }, SIGNING_ALGORITHM);
  const verifiers = new Map<string, Verifier>();
  for (const key of keys) {
    const kid = await keyId(key.jwk);
    const jwk = publicJwk(key.jwk, kid);
    verifiers.set(kid, {
      key: await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, SIGNING_ALGORITHM),
      jwk,
      ...(key.retiredAt ? { retiredAt: Date.parse(key.retiredAt) } : {}),
    });
  }
  const verified = new Map<string, { claims: TokenClaims; until: number; nbf: number }>();

  return {
    async issueAccessToken(claims: TokenClaims, lifetimeSeconds: number) {
      const now = Math.floor(clock.now().getTime() / 1000);
      return new SignJWT({ org: claims.organizationId })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: currentKid, typ: "at+jwt" })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(claims.keyId)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + Math.min(lifetimeSeconds, settings.maxAgeSeconds))
        .setJti(crypto.randomUUID())
        .sign(privateKey);
    },

    async verifyAccessToken(token: string) {
      // A token string already verified needs no second signature check: any change to it is a
      // different string. Its lifetime is still checked against the clock on every use.
      const cached = verified.get(token);
      if (cached) {
        const now = clock.now().getTime();
        if (cached.until * 1000 > now && cached.nbf * 1000 <= now) return cached.claims;
        verified.delete(token);
      }
      let payload: JWTPayload;
      let verifier: Verifier | undefined;
      try {
        // The algorithm is pinned: "none" and HS256-with-our-public-key tokens fail here.
        ({ payload } = await jwtVerify(
          token,
          (header) => {
            verifier = header.kid === undefined ? undefined : verifiers.get(header.kid);
            if (!verifier) throw new UnknownKeyError();
            return verifier.key;
          },
          {
            algorithms: [SIGNING_ALGORITHM],
            issuer: settings.issuer,
            audience: settings.audience,
            currentDate: clock.now(),
            requiredClaims: ["sub", "exp", "iat"],
            maxTokenAge: settings.maxAgeSeconds,
            // Only access tokens are accepted as tokens.
            typ: "at+jwt",
          },
        ));
      } catch (error) {
        throw new UnauthenticatedError(describeJoseError(error));
      }
      if (typeof payload.sub !== "string" || typeof payload.org !== "string") {
        throw new UnauthenticatedError("the token lacks its subject or organisation");
      }
      const issuedAt = payload.iat ?? 0;
      if (verifier?.retiredAt !== undefined && issuedAt * 1000 > verifier.retiredAt) {
        throw new UnauthenticatedError("the token was signed by a retired key after its retirement");
      }
      const claims = { keyId: payload.sub, organizationId: payload.org };
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      verified.set(token, {
        claims,
        until: Math.min(payload.exp ?? 0, issuedAt + settings.maxAgeSeconds),
        nbf: payload.nbf ?? issuedAt,
      });
      return claims;
    },

    async jwks() {
      return { keys: [...verifiers.values()].map((verifier) => verifier.jwk) };
    },
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof UnknownKeyError) return "the token's signing key (kid) is not one of this service's keys";
  if (error instanceof joseErrors.JWTExpired) return "the token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  return "the token is malformed";
}
