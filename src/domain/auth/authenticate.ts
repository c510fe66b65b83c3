import { UnauthenticatedError } from "../errors.ts";
import type { Actor, Deps } from "../ports.ts";

/**
 * Turns a bearer token into the acting key. The key and its organisation are read on every
 * request so that a revoked key stops working at once, not when its token expires.
 */
export async function authenticate(deps: Pick<Deps, "store" | "signer">, token: string): Promise<Actor> {
  const claims = await deps.signer.verifyAccessToken(token);
  const key = await deps.store.findApiKey(claims.keyId);
  if (!key || key.revokedAt || key.organizationId !== claims.organizationId) {
    throw new UnauthenticatedError("the token's API key has been revoked");
  }
  const organization = await deps.store.findOrganization(key.organizationId);
  if (!organization) throw new UnauthenticatedError("the token's organisation no longer exists");
  return {
    role: organization.role,
    keyId: key.id,
    holder: key.holder,
    organizationId: organization.id,
    organizationKind: organization.kind,
  };
}
