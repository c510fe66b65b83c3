import { requireActor } from "../access.ts";
import { conversionEvents } from "../achievements/conversion.ts";
import { chinaDate } from "../dates.ts";
import { InvalidStateError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Actor, Caller, Deps } from "../ports.ts";
import { loadVisibleContract, requireOperatorOn } from "./read-tech-contracts.ts";
import { type TechContractRecord, volumeEntryFor } from "./tech-contract.ts";

export interface EndTechContractCommand {
  caller: Caller;
  contractId: string;
  reason: string;
  idempotency?: IdempotencyRequest<TechContractRecord>;
}

/** A party (e.g. the contract was rescinded) or an operator cancels a registered contract. */
export async function cancelTechContract(deps: Deps, command: EndTechContractCommand) {
  return endContract(deps, requireActor(command.caller), command, "cancelled");
}

/** The registry revokes a registration: fraud, a void contract, a duplicate registration. */
export async function revokeTechContract(deps: Deps, command: EndTechContractCommand) {
  return endContract(deps, await requireOperatorOn(deps, command.caller, command.contractId), command, "revoked");
}

/**
 * Never edits the past: the registered figures stay as they were and a reversing volume entry is
 * dated the day this happens, so published periods stand and the next period shows the change.
 */
async function endContract(deps: Deps, actor: Actor, command: EndTechContractCommand, status: "cancelled" | "revoked") {
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const contract = await loadVisibleContract(deps, actor, command.contractId);
      if (contract.status !== "registered") {
        throw new InvalidStateError(`the contract is ${contract.status}; only a registered contract can be ${status}`);
      }
      const at = now.toISOString();
      const endedOn = chinaDate(now);
      const next: TechContractRecord = {
        ...contract,
        status,
        endedOn,
        endReason: command.reason,
        revision: contract.revision + 1,
        updatedAt: at,
      };
      const kind = status === "cancelled" ? "cancellation" : "revocation";
      const entry = volumeEntryFor(next, kind, deps.ids.next("ve"), endedOn, at);
      return {
        result: next,
        events: [
          { action: `tech_contract.${status}`, subjectType: "tech_contract", subjectId: next.id, state: next },
          { action: "volume_entry.recorded", subjectType: "volume_entry", subjectId: entry.id, state: entry },
          ...(await conversionEvents(deps, next, -1, at)),
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
