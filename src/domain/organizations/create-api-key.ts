import { requireOperator } from "../access.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { ApiKeyRecord, Caller, Change, Deps } from "../ports.ts";
import { apiKeyState, formatApiKey, hashSecret } from "./api-keys.ts";

export interface IssuedApiKey {
  key: ApiKeyRecord;
  /** The full key, shown once; only its secret's hash is stored. */
  apiKey: string;
}

export interface CreateApiKeyCommand {
  caller: Caller;
  organizationId: string;
  holder: string;
  idempotency?: IdempotencyRequest<IssuedApiKey>;
}

export async function createApiKey(deps: Deps, command: CreateApiKeyCommand) {
  const actor = requireOperator(command.caller);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const organization = await deps.store.findOrganization(command.organizationId);
      if (!organization) throw new NotFoundError("organization", command.organizationId);
      if (organization.role === "operator") {
        // Otherwise one operator could mint a second operator key and meet the two-operator rule alone.
        throw new ForbiddenError("operator keys are issued only from the command line: npm run cli -- create-operator");
      }
      const draft = draftApiKey(deps, organization.id, command.holder, now.toISOString());
      return { result: draft.issued, events: [draft.event], changes: [draft.change] };
    },
    command.idempotency,
  );
}

/** A new key for `holder`, with the event and change that record it. */
export function draftApiKey(
  deps: Pick<Deps, "ids">,
  organizationId: string,
  holder: string,
  at: string,
): { issued: IssuedApiKey; event: EventDraft; change: Change } {
  const secret = deps.ids.secret();
  const key: ApiKeyRecord = {
    id: deps.ids.next("key"),
    organizationId,
    holder,
    secretHash: hashSecret(secret),
    createdAt: at,
    revokedAt: null,
  };
  return {
    issued: { key, apiKey: formatApiKey(key.id, secret) },
    event: {
      action: "api_key.created",
      subjectType: "api_key",
      subjectId: key.id,
      state: apiKeyState(key),
      organizationId,
    },
    change: { kind: "apiKey.insert", record: key },
  };
}
