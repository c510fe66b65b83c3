import type { FieldError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { addFen } from "../money.ts";
import type { AchievementReads, Ids } from "../ports.ts";
import type { PartyRecord, TechContractRecord } from "../tech-contracts/tech-contract.ts";
import { type AchievementRecord, achievementEntryFor } from "./achievement.ts";

/**
 * A contract's `achievementIds` must name registered achievements of which its seller is a
 * completing organisation: that is what makes the contract a conversion of the result.
 */
export async function checkConvertedAchievements(
  store: AchievementReads,
  seller: PartyRecord | null,
  ids: readonly string[],
  errors: FieldError[],
) {
  for (const [i, id] of ids.entries()) {
    const achievement = await store.findAchievement(id);
    if (achievement?.status !== "registered") {
      errors.push({ pointer: `/achievementIds/${i}`, detail: `no registered achievement has id ${id}` });
    } else if (seller && !achievement.completingOrganizations.some((o) => o.creditCode === seller.creditCode)) {
      errors.push({
        pointer: `/achievementIds/${i}`,
        detail: "the seller is not a completing organisation of this achievement",
      });
    } else if (ids.indexOf(id) !== i) {
      errors.push({ pointer: `/achievementIds/${i}`, detail: "is given twice" });
    }
  }
}

/**
 * A contract naming achievements was registered (+1) or reversed (-1): each achievement's
 * conversion changes in the same atomic write, and one that becomes converted, or stops being,
 * writes a statistics entry while it is registered. A withdrawn achievement keeps its contracts.
 */
export async function conversionEvents(
  deps: { store: AchievementReads; ids: Ids },
  contract: TechContractRecord,
  sign: 1 | -1,
  at: string,
): Promise<EventDraft[]> {
  const events: EventDraft[] = [];
  for (const id of contract.achievementIds) {
    const achievement = await deps.store.findAchievement(id);
    if (!achievement) continue;
    const before = achievement.conversion;
    const contractIds =
      sign > 0 ? [...before.contractIds, contract.id] : before.contractIds.filter((c) => c !== contract.id);
    const next: AchievementRecord = {
      ...achievement,
      conversion: {
        contractIds,
        totalFen: addFen(before.totalFen, sign * contract.totalFen),
        technologyFen: addFen(before.technologyFen, sign * contract.technologyFen),
      },
      revision: achievement.revision + 1,
      updatedAt: at,
    };
    const organizationId = achievement.submittedByOrganizationId;
    events.push({
      action: sign > 0 ? "achievement.converted" : "achievement.conversion_reversed",
      subjectType: "achievement",
      subjectId: id,
      state: next,
      organizationId,
    });
    const crossed = (before.contractIds.length === 0) !== (contractIds.length === 0);
    if (crossed && achievement.status === "registered") {
      const entry = achievementEntryFor(next, sign > 0 ? "conversion" : "unconversion", deps.ids.next("ae"), at);
      events.push({
        action: "achievement_entry.recorded",
        subjectType: "achievement_entry",
        subjectId: entry.id,
        state: entry,
        organizationId,
      });
    }
  }
  return events;
}
