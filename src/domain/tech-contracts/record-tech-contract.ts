import { requireActor } from "../access.ts";
import { chinaDate } from "../dates.ts";
import { ForbiddenError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import type { TechContractRecord } from "./tech-contract.ts";
import { assertNoLiveDuplicate, type ContractInput, resolveTerms } from "./tech-contract-input.ts";

export interface RecordTechContractCommand {
  caller: Caller;
  input: ContractInput;
  idempotency?: IdempotencyRequest<TechContractRecord>;
}

/** A member that is the seller or the buyer records a contract; it waits for an operator's review. */
export async function recordTechContract(deps: Deps, command: RecordTechContractCommand) {
  const actor = requireActor(command.caller);
  if (actor.role !== "member") {
    throw new ForbiddenError("contracts are recorded by their seller or buyer; operators review them");
  }
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const terms = await resolveTerms(deps.store, command.input, now);
      if (terms.seller.organizationId !== actor.organizationId && terms.buyer.organizationId !== actor.organizationId) {
        throw new ForbiddenError("a member may record only contracts it is the seller or the buyer of");
      }
      await assertNoLiveDuplicate(deps.store, actor, terms);
      const at = now.toISOString();
      const record: TechContractRecord = {
        id: deps.ids.next("tc"),
        status: "submitted",
        ...terms,
        submittedAt: at,
        submittedByOrganizationId: actor.organizationId,
        submittedByKeyId: actor.keyId,
        submittedByHolder: actor.holder,
        reviewStartedOn: chinaDate(now),
        approvals: [],
        decisionReason: null,
        registrationYear: null,
        registrationSerial: null,
        registrationNumber: null,
        registeredOn: null,
        endedOn: null,
        endReason: null,
        revision: 1,
        updatedAt: at,
      };
      return {
        result: record,
        events: [
          { action: "tech_contract.recorded", subjectType: "tech_contract", subjectId: record.id, state: record },
        ],
        changes: [],
      };
    },
    command.idempotency,
  );
}
