import { ACHIEVEMENT_SUBMITTER_KINDS } from "../../../contracts/achievements.ts";
import { requireActor } from "../access.ts";
import { ForbiddenError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import type { AchievementRecord } from "./achievement.ts";
import { type AchievementInput, resolveAchievementTerms } from "./achievement-input.ts";

export interface RecordAchievementCommand {
  caller: Caller;
  input: AchievementInput;
  idempotency?: IdempotencyRequest<AchievementRecord>;
}

const SUBMITTERS: readonly string[] = ACHIEVEMENT_SUBMITTER_KINDS;

/** A university, institute, enterprise or hospital submits an achievement it completed; an operator reviews it. */
export async function recordAchievement(deps: Deps, command: RecordAchievementCommand) {
  const actor = requireActor(command.caller);
  if (actor.role !== "member" || !SUBMITTERS.includes(actor.organizationKind)) {
    throw new ForbiddenError(
      `achievements are submitted by a member that is a ${ACHIEVEMENT_SUBMITTER_KINDS.join(", ")}; operators review them`,
    );
  }
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const terms = await resolveAchievementTerms(deps.store, actor, command.input, now);
      const at = now.toISOString();
      const record: AchievementRecord = {
        id: deps.ids.next("ach"),
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
        withdrawnOn: null,
        withdrawalReason: null,
        conversion: { contractIds: [], totalFen: 0, technologyFen: 0 },
        revision: 1,
        updatedAt: at,
      };
      return {
        result: record,
        events: [{ action: "achievement.recorded", subjectType: "achievement", subjectId: record.id, state: record }],
        changes: [],
      };
    },
    command.idempotency,
  );
}
