import { requireOperator } from "../access.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { commitDecision, eventActor } from "../ledger/write.ts";
import type { ApiKeyRecord, AttemptStore, Caller, Deps, EventActor } from "../ports.ts";
import { apiKeyState } from "./api-keys.ts";
import { COMMAND_LINE } from "./create-operator.ts";

export interface RevokeApiKeyCommand {
  caller: Caller;
  organizationId: string;
  keyId: string;
}

/**
 * An operator revokes a member's key, or its own. Another operator's key is revoked only from the
 * command line: over HTTP one operator could otherwise revoke the colleague whose approval stands
 * in the way (an approval by a revoked key no longer counts). Revoking twice is harmless: the
 * second call changes nothing and records nothing.
 */
export async function revokeApiKey(deps: Deps, command: RevokeApiKeyCommand): Promise<void> {
  const actor = requireOperator(command.caller);
  await revoke(deps, eventActor(actor), command.keyId, async (store, key) => {
    if (key.organizationId !== command.organizationId) throw new NotFoundError("api key", command.keyId);
    const organization = await store.findOrganization(key.organizationId);
    if (organization?.role === "operator" && key.id !== actor.keyId) {
      throw new ForbiddenError(
        "another operator's key is revoked only from the command line: npm run cli -- revoke-key --key KEY_ID",
      );
    }
  });
}

/** Any key, from the command line (whoever runs it holds the database and the key file). */
export async function revokeKeyOnCommandLine(deps: Deps, keyId: string): Promise<ApiKeyRecord> {
  return revoke(deps, COMMAND_LINE, keyId, async () => {});
}

async function revoke(
  deps: Deps,
  actor: EventActor,
  keyId: string,
  check: (store: AttemptStore, key: ApiKeyRecord) => Promise<void>,
): Promise<ApiKeyRecord> {
  const outcome = await commitDecision(deps, actor, async (deps, now) => {
    const key = await deps.store.findApiKey(keyId);
    if (!key) throw new NotFoundError("api key", keyId);
    await check(deps.store, key);
    if (key.revokedAt) return { result: key, events: [], changes: [] };
    const revoked = { ...key, revokedAt: now.toISOString() };
    return {
      result: revoked,
      events: [
        {
          action: "api_key.revoked",
          subjectType: "api_key",
          subjectId: key.id,
          state: apiKeyState(revoked),
          organizationId: key.organizationId,
        },
      ],
      changes: [{ kind: "apiKey.revoke", id: key.id, revokedAt: revoked.revokedAt }],
    };
  });
  if (outcome.kind !== "done") throw new Error("revocations are not idempotent-keyed");
  return outcome.result;
}
