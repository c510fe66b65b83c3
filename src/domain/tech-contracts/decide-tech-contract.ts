import { conversionEvents } from "../achievements/conversion.ts";
import { chinaDate } from "../dates.ts";
import { InvalidStateError, NotFoundError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps, OrganizationReads } from "../ports.ts";
import { requireOperatorOn } from "./read-tech-contracts.ts";
import { type Approval, registrationNumber, type TechContractRecord, volumeEntryFor } from "./tech-contract.ts";
import { assertNotRegisteredTwice } from "./tech-contract-input.ts";

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
 * Approvals that still count: those of operator keys not revoked since (a revoked key's approval
 * does not carry a registration it had not completed).
 */
async function standingApprovals(deps: { store: OrganizationReads }, contract: TechContractRecord) {
  const standing: Approval[] = [];
  for (const approval of contract.approvals) {
    const key = await deps.store.findApiKey(approval.keyId);
    if (key && !key.revokedAt) standing.push(approval);
  }
  return standing;
}

/**
 * Registration never rests on one person: a large contract needs two different operators, and
 * whatever its size, one of its approvals must come from an operator other than the one whose key
 * issued the submitting member's key (who could otherwise create a member, issue a key, record a
 * contract as it and register it alone).
 */
function enoughApprovals(contract: TechContractRecord, approvals: Approval[], issuerKeyId: string | null | undefined) {
  const needed = contract.large ? 2 : 1;
  return approvals.length >= needed && approvals.some((a) => a.keyId !== issuerKeyId);
}

/**
 * An operator's review decision. Registration assigns the next serial of the China Standard
 * Time year and writes the volume entry in the same atomic write; because every write extends
 * the audit chain from the head read first, two operators registering at once cannot take the
 * same serial or leave a gap. A large contract needs `register` from two different operator keys,
 * and no contract is registered by the operator key that issued its submitter's key alone.
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
        throw new InvalidStateError("you have already approved this contract; a different operator must register it");
      }
      const approvals = [
        ...(await standingApprovals(deps, contract)),
        { keyId: actor.keyId, holder: actor.holder, at },
      ];
      if (!enoughApprovals(contract, approvals, await deps.store.findApiKeyIssuer(contract.submittedByKeyId))) {
        const next: TechContractRecord = { ...base, approvals };
        return {
          result: next,
          events: [event("tech_contract.first_approval", next)],
          changes: [],
        };
      }

      await assertNotRegisteredTwice(deps.store, contract);
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
