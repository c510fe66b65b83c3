import { chinaDate } from "../dates.ts";
import { ForbiddenError, InvalidStateError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Actor, AttemptStore, Caller, Deps } from "../ports.ts";
import { MAX_PLEDGE_SERIAL, type PledgeRecord, pledgeEntryFor, pledgeNumber } from "./pledge.ts";
import { assertRightsFree } from "./pledge-input.ts";
import { loadVisiblePledge, requireOperatorOnPledge } from "./read-pledges.ts";

export interface DecidePledgeCommand {
  caller: Caller;
  pledgeId: string;
  decision: "register" | "reject";
  reason?: string | undefined;
  idempotency?: IdempotencyRequest<PledgeRecord>;
}

/** The entries of a pledge, as events: what moves the pledge statistics. */
export function entryEvents(pledge: PledgeRecord, entries: ReturnType<typeof pledgeEntryFor>[]): EventDraft[] {
  return entries.map((entry) => ({
    action: "pledge_entry.recorded",
    subjectType: "pledge_entry",
    subjectId: entry.id,
    state: entry,
    organizationId: pledge.submittedByOrganizationId,
  }));
}

/**
 * Separation of duties, as for contracts: the operator key that issued the submitting member's
 * key cannot register what that member submitted (one person could otherwise make up financing).
 */
async function assertNotIssuer(store: AttemptStore, actor: Actor, pledge: PledgeRecord) {
  const issuer = await store.findApiKeyIssuer(pledge.submittedByKeyId);
  if (issuer === actor.keyId) {
    throw new ForbiddenError(
      "your key issued the key that submitted this pledge: another operator must register it (separation of duties)",
    );
  }
}

/**
 * An operator registers or rejects a submitted pledge, or a requested change of a registered
 * one. Registration assigns the next serial of the China Standard Time year (gap-free: the write
 * extends the chain from the head read first) and counts the pledge that day; a registered change
 * is counted the day it is registered, as its old terms leaving and its new terms entering.
 */
export async function decidePledge(deps: Deps, command: DecidePledgeCommand) {
  const actor = await requireOperatorOnPledge(deps, command.caller, command.pledgeId);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const pledge = await loadVisiblePledge(deps, actor, command.pledgeId);
      const at = now.toISOString();
      const today = chinaDate(now);
      const organizationId = pledge.submittedByOrganizationId;
      const base = { ...pledge, revision: pledge.revision + 1, updatedAt: at };
      if (pledge.status === "registered" && pledge.pendingChange) {
        const change = pledge.pendingChange;
        if (command.decision === "reject") {
          const next: PledgeRecord = { ...base, pendingChange: null, decisionReason: command.reason ?? null };
          return {
            result: next,
            events: [
              {
                action: "pledge.change_rejected",
                subjectType: "pledge",
                subjectId: next.id,
                state: next,
                organizationId,
              },
            ],
            changes: [],
          };
        }
        await assertNotIssuer(deps.store, actor, pledge);
        const securedFen = change.securedFen ?? pledge.securedFen;
        const termEnd = change.termEnd ?? pledge.termEnd;
        const next: PledgeRecord = {
          ...base,
          securedFen,
          termEnd,
          version: pledge.version + 1,
          versionRegisteredOn: today,
          pendingChange: null,
          decisionReason: command.reason ?? null,
          changes: [
            ...pledge.changes,
            {
              version: pledge.version + 1,
              securedFenBefore: pledge.securedFen,
              securedFen,
              termEndBefore: pledge.termEnd,
              termEnd,
              reason: change.reason,
              registeredOn: today,
            },
          ],
        };
        const entries = [
          pledgeEntryFor(pledge, pledge, "change_out", deps.ids.next("pe"), today, at),
          pledgeEntryFor(next, next, "change_in", deps.ids.next("pe"), today, at),
        ];
        return {
          result: next,
          events: [
            { action: "pledge.changed", subjectType: "pledge", subjectId: next.id, state: next, organizationId },
            ...entryEvents(next, entries),
          ],
          changes: [],
        };
      }
      if (pledge.status !== "submitted") {
        throw new InvalidStateError(
          `the pledge is ${pledge.status}${pledge.status === "registered" ? " with no change requested" : ""}; decisions are taken on a submitted pledge or a requested change`,
        );
      }
      if (command.decision === "reject") {
        const next: PledgeRecord = { ...base, status: "rejected", decisionReason: command.reason ?? null };
        return {
          result: next,
          events: [
            { action: "pledge.rejected", subjectType: "pledge", subjectId: next.id, state: next, organizationId },
          ],
          changes: [],
        };
      }
      await assertNotIssuer(deps.store, actor, pledge);
      // The index of held rights already holds them for this pledge; this names any other holder.
      await assertRightsFree(deps.store, pledge.rights, pledge.id);
      const year = Number(today.slice(0, 4));
      const serial = (await deps.store.maxPledgeSerial(year)) + 1;
      if (serial > MAX_PLEDGE_SERIAL) {
        throw new InvalidStateError(`the ${year} pledge registration numbers are used up (${MAX_PLEDGE_SERIAL})`);
      }
      const next: PledgeRecord = {
        ...base,
        status: "registered",
        decisionReason: command.reason ?? null,
        registrationYear: year,
        registrationSerial: serial,
        registrationNumber: pledgeNumber(year, deps.market.regionCode, serial),
        registeredOn: today,
        version: 1,
        versionRegisteredOn: today,
      };
      const entry = pledgeEntryFor(next, next, "registration", deps.ids.next("pe"), today, at);
      return {
        result: next,
        events: [
          { action: "pledge.registered", subjectType: "pledge", subjectId: next.id, state: next, organizationId },
          ...entryEvents(next, [entry]),
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
