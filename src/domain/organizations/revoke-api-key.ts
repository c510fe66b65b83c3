import { requireOperator } from "../access.ts";
import { NotFoundError } from "../errors.ts";
import { commitDecision, eventActor } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import { apiKeyState } from "./api-keys.ts";

export interface RevokeApiKeyCommand {
  caller: Caller;
  organizationId: string;
  keyId: string;
}

/** Revoking twice is harmless: the second call changes nothing and records nothing. */
export async function revokeApiKey(deps: Deps, command: RevokeApiKeyCommand): Promise<void> {
  const actor = requireOperator(command.caller);
  await commitDecision(deps, eventActor(actor), async (deps, now) => {
    const key = await deps.store.findApiKey(command.keyId);
    if (!key || key.organizationId !== command.organizationId) throw new NotFoundError("api key", command.keyId);
    if (key.revokedAt) return { result: undefined, events: [], changes: [] };
    const revokedAt = now.toISOString();
    return {
      result: undefined,
      events: [
        {
          action: "api_key.revoked",
          subjectType: "api_key",
          subjectId: key.id,
          state: apiKeyState({ ...key, revokedAt }),
          organizationId: key.organizationId,
        },
      ],
      changes: [{ kind: "apiKey.revoke", id: key.id, revokedAt }],
    };
  });
}
