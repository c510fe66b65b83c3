import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from "jose";
import { UnauthenticatedError } from "../domain/errors.ts";
import type { Clock, LedgerStore, Signer, SigningKeyRecord, TokenClaims } from "../domain/ports.ts";

export const SIGNING_ALGORITHM = "EdDSA";
const VERIFIED_CACHE_SIZE = 10_000;

export interface TokenSettings {
  issuer: string;
  audience: string;
}

export async function generateSigningKey(kid: string, createdAt: string): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: "Ed25519", extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM, use: "sig" };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: "sig" };
  return {
    kid,
    algorithm: SIGNING_ALGORITHM,
    privateJwk: JSON.stringify(privateJwk),
    publicJwk: JSON.stringify(publicJwk),
    createdAt,
  };
}

/** A key supplied by configuration (a private Ed25519 JWK) wins; otherwise the first start generates and keeps one. */
export async function loadSigningKey(
  store: LedgerStore,
  clock: Clock,
  configured: JWK | undefined,
): Promise<SigningKeyRecord> {
  if (configured) {
    const { d: _private, ...publicPart } = configured;
    const kid = configured.kid ?? "configured";
    return {
      kid,
      algorithm: SIGNING_ALGORITHM,
      privateJwk: JSON.stringify({ ...configured, kid, alg: SIGNING_ALGORITHM }),
      publicJwk: JSON.stringify({ ...publicPart, kid, alg: SIGNING_ALGORITHM, use: "sig" }),
      createdAt: clock.now().toISOString(),
    };
  }
  const stored = await store.findSigningKey();
  if (stored) return stored;
  const now = clock.now();
  const kid = `ledger-${now.toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  return store.putSigningKeyIfAbsent(await generateSigningKey(kid, now.toISOString()));
}

export async function createJoseSigner(key: SigningKeyRecord, settings: TokenSettings, clock: Clock): Promise<Signer> {
  const privateJwk = JSON.parse(key.privateJwk) as JWK;
  const publicJwk = JSON.parse(key.publicJwk) as JWK;
  const privateKey = await importJWK(privateJwk, SIGNING_ALGORITHM);
  const publicKey = await importJWK(publicJwk, SIGNING_ALGORITHM);
  const verified = new Map<string, { claims: TokenClaims; exp: number; nbf: number }>();

  return {
    async issueAccessToken(claims: TokenClaims, lifetimeSeconds: number) {
      const now = Math.floor(clock.now().getTime() / 1000);
      return new SignJWT({ org: claims.organizationId })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: "at+jwt" })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(claims.keyId)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + lifetimeSeconds)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
    },

    async verifyAccessToken(token: string) {
      // A token string already verified needs no second signature check: any change to it is a
      // different string. Expiry is still checked against the clock on every use.
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp * 1000 > clock.now().getTime() && cached.nbf * 1000 <= clock.now().getTime())
          return cached.claims;
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        // The algorithm is pinned: "none" and HS256-with-our-public-key tokens fail here.
        ({ payload } = await jwtVerify(token, publicKey, {
          algorithms: [SIGNING_ALGORITHM],
          issuer: settings.issuer,
          audience: settings.audience,
          currentDate: clock.now(),
          requiredClaims: ["sub", "exp", "iat"],
          // Bulletins are signed with the same key: only access tokens are accepted as tokens.
          typ: "at+jwt",
        }));
      } catch (error) {
        throw new UnauthenticatedError(describeJoseError(error));
      }
      if (typeof payload.sub !== "string" || typeof payload.org !== "string") {
        throw new UnauthenticatedError("the token lacks its subject or organisation");
      }
      const claims = { keyId: payload.sub, organizationId: payload.org };
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      verified.set(token, { claims, exp: payload.exp ?? 0, nbf: payload.nbf ?? payload.iat ?? 0 });
      return claims;
    },

    async jwks() {
      return { keys: [publicJwk as Record<string, unknown>] };
    },
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "the token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  return "the token is malformed";
}
