import { requireActor } from "../access.ts";
import { ForbiddenError, InvalidStateError } from "../errors.ts";
import { commitDecision, eventActor } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import type { AchievementRecord } from "./achievement.ts";
import { type AchievementInput, mergeCorrection, resolveAchievementTerms } from "./achievement-input.ts";
import { loadVisibleAchievement } from "./read-achievements.ts";

export interface CorrectAchievementCommand {
  caller: Caller;
  achievementId: string;
  patch: Partial<AchievementInput>;
}

/** The submitting organisation corrects what an operator sent back; merged and checked whole, it returns to review. */
export async function correctAchievement(deps: Deps, command: CorrectAchievementCommand) {
  const actor = requireActor(command.caller);
  const outcome = await commitDecision(deps, eventActor(actor), async (deps, now) => {
    const achievement = await loadVisibleAchievement(deps, actor, command.achievementId);
    if (achievement.submittedByOrganizationId !== actor.organizationId) {
      throw new ForbiddenError("only the organisation that submitted the achievement may correct it");
    }
    if (achievement.status !== "correction_requested") {
      throw new InvalidStateError(
        `the achievement is ${achievement.status}; corrections are accepted only while its status is correction_requested`,
      );
    }
    const terms = await resolveAchievementTerms(deps.store, actor, mergeCorrection(achievement, command.patch), now);
    const next: AchievementRecord = {
      ...achievement,
      ...terms,
      status: "submitted",
      revision: achievement.revision + 1,
      updatedAt: now.toISOString(),
    };
    return {
      result: next,
      events: [{ action: "achievement.corrected", subjectType: "achievement", subjectId: next.id, state: next }],
      changes: [],
    };
  });
  if (outcome.kind !== "done") throw new Error("corrections are not idempotent-keyed");
  return outcome.result;
}
