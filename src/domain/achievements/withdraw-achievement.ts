import { requireActor } from "../access.ts";
import { chinaDate } from "../dates.ts";
import { ForbiddenError, InvalidStateError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import { type AchievementRecord, achievementEntryFor } from "./achievement.ts";
import { loadVisibleAchievement } from "./read-achievements.ts";

export interface WithdrawAchievementCommand {
  caller: Caller;
  achievementId: string;
  reason: string;
  idempotency?: IdempotencyRequest<AchievementRecord>;
}

const WITHDRAWABLE = new Set(["submitted", "correction_requested", "registered"]);

/**
 * The submitting organisation or an operator withdraws an achievement: it leaves the catalogue,
 * and a registered one leaves the statistics. Contracts that already name it keep it.
 */
export async function withdrawAchievement(deps: Deps, command: WithdrawAchievementCommand) {
  const actor = requireActor(command.caller);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const achievement = await loadVisibleAchievement(deps, actor, command.achievementId);
      if (actor.role !== "operator" && achievement.submittedByOrganizationId !== actor.organizationId) {
        throw new ForbiddenError("only the submitting organisation or an operator may withdraw an achievement");
      }
      if (!WITHDRAWABLE.has(achievement.status)) {
        throw new InvalidStateError(`the achievement is ${achievement.status}; it cannot be withdrawn`);
      }
      const at = now.toISOString();
      const next: AchievementRecord = {
        ...achievement,
        status: "withdrawn",
        withdrawnOn: chinaDate(now),
        withdrawalReason: command.reason,
        revision: achievement.revision + 1,
        updatedAt: at,
      };
      const organizationId = achievement.submittedByOrganizationId;
      const events: EventDraft[] = [
        {
          action: "achievement.withdrawn",
          subjectType: "achievement",
          subjectId: next.id,
          state: next,
          organizationId,
        },
      ];
      if (achievement.status === "registered") {
        const entry = achievementEntryFor(achievement, "withdrawal", deps.ids.next("ae"), at);
        events.push({
          action: "achievement_entry.recorded",
          subjectType: "achievement_entry",
          subjectId: entry.id,
          state: entry,
          organizationId,
        });
      }
      return { result: next, events, changes: [] };
    },
    command.idempotency,
  );
}
