import { requireActor } from "../access.ts";
import { type FieldError, ForbiddenError, InvalidStateError, ValidationError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import { parseYuan } from "../money.ts";
import type { Caller, Deps } from "../ports.ts";
import { isPledgee, type PledgeRecord } from "./pledge.ts";
import { loadVisiblePledge } from "./read-pledges.ts";

export interface ChangePledgeCommand {
  caller: Caller;
  pledgeId: string;
  securedAmount?: string | undefined;
  termEnd?: string | undefined;
  reason: string;
  idempotency?: IdempotencyRequest<PledgeRecord>;
}

/**
 * The pledgee asks to change the amount or the term's end of a registered pledge. Nothing counts
 * until an operator registers the change (decide-pledge.ts); one change waits at a time.
 */
export async function changePledge(deps: Deps, command: ChangePledgeCommand) {
  const actor = requireActor(command.caller);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const pledge = await loadVisiblePledge(deps, actor, command.pledgeId);
      if (!isPledgee(actor, pledge)) {
        throw new ForbiddenError("only the pledgee asks for a change of a pledge; an operator registers it");
      }
      if (pledge.status !== "registered") {
        throw new InvalidStateError(`the pledge is ${pledge.status}; only a registered pledge can be changed`);
      }
      if (pledge.pendingChange) {
        throw new InvalidStateError("a change of this pledge is already waiting for an operator's decision");
      }
      const securedFen = command.securedAmount === undefined ? null : parseYuan(command.securedAmount);
      const termEnd = command.termEnd ?? null;
      const errors: FieldError[] = [];
      if (termEnd !== null && termEnd < pledge.termStart) {
        errors.push({ pointer: "/termEnd", detail: `must not be before the term's start, ${pledge.termStart}` });
      }
      if ((securedFen ?? pledge.securedFen) === pledge.securedFen && (termEnd ?? pledge.termEnd) === pledge.termEnd) {
        errors.push({
          pointer: securedFen !== null ? "/securedAmount" : "/termEnd",
          detail: "changes nothing: it is the pledge's current term",
        });
      }
      if (errors.length > 0) throw new ValidationError(errors);
      const at = now.toISOString();
      const next: PledgeRecord = {
        ...pledge,
        pendingChange: { securedFen, termEnd, reason: command.reason, requestedAt: at, requestedByKeyId: actor.keyId },
        revision: pledge.revision + 1,
        updatedAt: at,
      };
      return {
        result: next,
        events: [
          {
            action: "pledge.change_requested",
            subjectType: "pledge",
            subjectId: next.id,
            state: next,
            organizationId: pledge.submittedByOrganizationId,
          },
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
