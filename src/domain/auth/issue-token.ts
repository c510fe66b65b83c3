import { UnauthenticatedError } from "../errors.ts";
import { parseApiKey, secretMatches } from "../organizations/api-keys.ts";
import type { Deps } from "../ports.ts";

export interface IssuedToken {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

/** Every failure reads the same, so a caller cannot probe which key ids exist. */
export async function issueToken(deps: Deps, apiKey: string): Promise<IssuedToken> {
  const parsed = parseApiKey(apiKey);
  const key = parsed ? await deps.store.findApiKey(parsed.keyId) : undefined;
  if (!parsed || !key || key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) {
    throw new UnauthenticatedError("the API key is not valid");
  }
  const lifetime = deps.market.tokenLifetimeSeconds;
  const accessToken = await deps.signer.issueAccessToken(
    { keyId: key.id, organizationId: key.organizationId },
    lifetime,
  );
  return { accessToken, tokenType: "Bearer", expiresIn: lifetime };
}
