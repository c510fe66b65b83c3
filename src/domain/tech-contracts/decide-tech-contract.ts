import { conversionEvents } from "../achievements/conversion.ts";
import { chinaDate } from "../dates.ts";
import { InvalidStateError, NotFoundError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import { requireOperatorOn } from "./read-tech-contracts.ts";
import { registrationNumber, type TechContractRecord, volumeEntryFor } from "./tech-contract.ts";

/** Six digits of serial in the 16-digit number. */
const MAX_SERIAL = 999_999;

export type ContractDecision = "register" | "reject" | "request_correction";

export interface DecideTechContractCommand {
  caller: Caller;
  contractId: string;
  decision: ContractDecision;
  reason?: string | undefined;
  idempotency?: IdempotencyRequest<TechContractRecord>;
}

/**
 * An operator's review decision. Registration assigns the next serial of the China Standard
 * Time year and writes the volume entry in the same atomic write; because every write extends
 * the audit chain from the head read first, two operators registering at once cannot take the
 * same serial or leave a gap. A large contract needs `register` from two different operator keys.
 */
export async function decideTechContract(deps: Deps, command: DecideTechContractCommand) {
  const actor = await requireOperatorOn(deps, command.caller, command.contractId);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const contract = await deps.store.findTechContract(command.contractId);
      if (!contract) throw new NotFoundError("contract", command.contractId);
      if (contract.status !== "submitted") {
        throw new InvalidStateError(
          `the contract is ${contract.status}; review decisions are taken only while it is submitted`,
        );
      }
      const at = now.toISOString();
      const base = { ...contract, revision: contract.revision + 1, updatedAt: at };
      const event = (action: string, state: TechContractRecord): EventDraft => ({
        action,
        subjectType: "tech_contract",
        subjectId: contract.id,
        state,
      });

      if (command.decision === "reject" || command.decision === "request_correction") {
        const next: TechContractRecord = {
          ...base,
          status: command.decision === "reject" ? "rejected" : "correction_requested",
          decisionReason: command.reason ?? null,
          approvals: [],
        };
        const action = command.decision === "reject" ? "tech_contract.rejected" : "tech_contract.correction_requested";
        return {
          result: next,
          events: [event(action, next)],
          changes: [],
        };
      }

      if (contract.approvals.some((a) => a.keyId === actor.keyId)) {
        throw new InvalidStateError(
          "you have already approved this large contract; a second, different operator must register it",
        );
      }
      const approvals = [...contract.approvals, { keyId: actor.keyId, holder: actor.holder, at }];
      if (contract.large && approvals.length < 2) {
        const next: TechContractRecord = { ...base, approvals };
        return {
          result: next,
          events: [event("tech_contract.first_approval", next)],
          changes: [],
        };
      }

      const registeredOn = chinaDate(now);
      const year = Number(registeredOn.slice(0, 4));
      const serial = (await deps.store.maxRegistrationSerial(year)) + 1;
      if (serial > MAX_SERIAL) {
        throw new InvalidStateError(`the ${year} registration numbers are used up (${MAX_SERIAL} per year)`);
      }
      const next: TechContractRecord = {
        ...base,
        status: "registered",
        approvals,
        decisionReason: command.reason ?? null,
        registrationYear: year,
        registrationSerial: serial,
        registrationNumber: registrationNumber(year, deps.market.regionCode, serial),
        registeredOn,
      };
      const entry = volumeEntryFor(next, "registration", deps.ids.next("ve"), registeredOn, at);
      return {
        result: next,
        events: [
          event("tech_contract.registered", next),
          { action: "volume_entry.recorded", subjectType: "volume_entry", subjectId: entry.id, state: entry },
          ...(await conversionEvents(deps, next, 1, at)),
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
