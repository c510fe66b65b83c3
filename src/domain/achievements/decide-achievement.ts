import { requireActor } from "../access.ts";
import { chinaDate } from "../dates.ts";
import { ForbiddenError, InvalidStateError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { AchievementReads, Actor, Caller, Deps } from "../ports.ts";
import {
  type AchievementRecord,
  achievementEntryFor,
  achievementNumber,
  MAX_ACHIEVEMENT_SERIAL,
} from "./achievement.ts";
import { loadVisibleAchievement } from "./read-achievements.ts";

export interface DecideAchievementCommand {
  caller: Caller;
  achievementId: string;
  decision: "register" | "reject" | "request_correction";
  reason?: string | undefined;
  idempotency?: IdempotencyRequest<AchievementRecord>;
}

/** Operator-only on an achievement: one the caller may not see is 404, as any object it may not see; else 403. */
export async function requireOperatorOnAchievement(
  deps: { store: AchievementReads },
  caller: Caller,
  id: string,
): Promise<Actor> {
  const actor = requireActor(caller);
  if (actor.role === "operator") return actor;
  await loadVisibleAchievement(deps, actor, id);
  throw new ForbiddenError("only market operators may do this");
}

/**
 * The registry's formal review. Registration assigns the next serial of the China Standard Time
 * year and the achievement's kind (gap-free: the write extends the chain from the head read
 * first, so two registrations at once cannot take one serial) and writes the statistics entry in
 * the same atomic write.
 */
export async function decideAchievement(deps: Deps, command: DecideAchievementCommand) {
  const actor = await requireOperatorOnAchievement(deps, command.caller, command.achievementId);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const achievement = await loadVisibleAchievement(deps, actor, command.achievementId);
      if (achievement.status !== "submitted") {
        throw new InvalidStateError(
          `the achievement is ${achievement.status}; review decisions are taken only while it is submitted`,
        );
      }
      const at = now.toISOString();
      const base = {
        ...achievement,
        decisionReason: command.reason ?? null,
        revision: achievement.revision + 1,
        updatedAt: at,
      };
      const organizationId = achievement.submittedByOrganizationId;
      if (command.decision !== "register") {
        const next: AchievementRecord = {
          ...base,
          status: command.decision === "reject" ? "rejected" : "correction_requested",
        };
        const action = command.decision === "reject" ? "achievement.rejected" : "achievement.correction_requested";
        return {
          result: next,
          events: [{ action, subjectType: "achievement", subjectId: next.id, state: next, organizationId }],
          changes: [],
        };
      }
      const registeredOn = chinaDate(now);
      const year = Number(registeredOn.slice(0, 4));
      const serial = (await deps.store.maxAchievementSerial(year, achievement.kind)) + 1;
      if (serial > MAX_ACHIEVEMENT_SERIAL) {
        throw new InvalidStateError(
          `the ${year} ${achievement.kind} registration numbers are used up (${MAX_ACHIEVEMENT_SERIAL})`,
        );
      }
      const next: AchievementRecord = {
        ...base,
        status: "registered",
        registrationYear: year,
        registrationSerial: serial,
        registrationNumber: achievementNumber(deps.market.registryCode, year, achievement.kind, serial),
        registeredOn,
      };
      const entry = achievementEntryFor(next, "registration", deps.ids.next("ae"), at);
      return {
        result: next,
        events: [
          {
            action: "achievement.registered",
            subjectType: "achievement",
            subjectId: next.id,
            state: next,
            organizationId,
          },
          {
            action: "achievement_entry.recorded",
            subjectType: "achievement_entry",
            subjectId: entry.id,
            state: entry,
            organizationId,
          },
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
