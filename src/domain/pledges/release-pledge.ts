import { requireActor } from "../access.ts";
import { chinaDate } from "../dates.ts";
import { ForbiddenError, InvalidStateError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import { entryEvents } from "./decide-pledge.ts";
import { isPledgee, type PledgeRecord, pledgeEntryFor } from "./pledge.ts";
import { loadVisiblePledge } from "./read-pledges.ts";

export interface ReleasePledgeCommand {
  caller: Caller;
  pledgeId: string;
  reason: string;
  idempotency?: IdempotencyRequest<PledgeRecord>;
}

/**
 * The pledgee or an operator releases a registered pledge (注销): its rights are free to pledge
 * again, and it leaves the statistics on the day of release (the published past never changes).
 */
export async function releasePledge(deps: Deps, command: ReleasePledgeCommand) {
  const actor = requireActor(command.caller);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const pledge = await loadVisiblePledge(deps, actor, command.pledgeId);
      if (actor.role !== "operator" && !isPledgee(actor, pledge)) {
        throw new ForbiddenError("only the pledgee or an operator may release a pledge");
      }
      if (pledge.status !== "registered") {
        throw new InvalidStateError(`the pledge is ${pledge.status}; only a registered pledge can be released`);
      }
      const at = now.toISOString();
      const today = chinaDate(now);
      const next: PledgeRecord = {
        ...pledge,
        status: "released",
        pendingChange: null,
        releasedOn: today,
        releaseReason: command.reason,
        revision: pledge.revision + 1,
        updatedAt: at,
      };
      const entry = pledgeEntryFor(pledge, pledge, "release", deps.ids.next("pe"), today, at);
      return {
        result: next,
        events: [
          {
            action: "pledge.released",
            subjectType: "pledge",
            subjectId: next.id,
            state: next,
            organizationId: pledge.submittedByOrganizationId,
          },
          ...entryEvents(next, [entry]),
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
