import { requireActor } from "../access.ts";
import { ForbiddenError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import type { PledgeRecord } from "./pledge.ts";
import { assertRightsFree, type PledgeInput, resolvePledgeTerms } from "./pledge-input.ts";

export interface RecordPledgeCommand {
  caller: Caller;
  input: PledgeInput;
  idempotency?: IdempotencyRequest<PledgeRecord>;
}

/** The pledgor or the pledgee bank submits a pledge; an operator registers it. Its rights are held from now. */
export async function recordPledge(deps: Deps, command: RecordPledgeCommand) {
  const actor = requireActor(command.caller);
  if (actor.role !== "member") {
    throw new ForbiddenError("pledges are submitted by their pledgor or their pledgee bank; operators register them");
  }
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const terms = await resolvePledgeTerms(deps.store, actor, command.input);
      await assertRightsFree(deps.store, terms.rights);
      const at = now.toISOString();
      const record: PledgeRecord = {
        id: deps.ids.next("plg"),
        status: "submitted",
        ...terms,
        submittedAt: at,
        submittedByOrganizationId: actor.organizationId,
        submittedByKeyId: actor.keyId,
        submittedByHolder: actor.holder,
        decisionReason: null,
        registrationYear: null,
        registrationSerial: null,
        registrationNumber: null,
        registeredOn: null,
        version: 0,
        versionRegisteredOn: null,
        pendingChange: null,
        changes: [],
        releasedOn: null,
        releaseReason: null,
        revision: 1,
        updatedAt: at,
      };
      return {
        result: record,
        events: [
          {
            action: "pledge.recorded",
            subjectType: "pledge",
            subjectId: record.id,
            state: record,
            organizationId: actor.organizationId,
          },
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
