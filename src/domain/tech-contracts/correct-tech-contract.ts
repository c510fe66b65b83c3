import { checkContractRules } from "../../../contracts/tech-contracts.ts";
import { requireActor } from "../access.ts";
import { chinaDate } from "../dates.ts";
import { ForbiddenError, InvalidStateError, ValidationError } from "../errors.ts";
import { commitDecision, eventActor } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import { ruleErrors } from "../rule-errors.ts";
import { loadVisibleContract } from "./read-tech-contracts.ts";
import type { TechContractRecord } from "./tech-contract.ts";
import {
  assertNoLiveDuplicate,
  type ContractInput,
  clockFieldErrors,
  inputOf,
  resolveTerms,
} from "./tech-contract-input.ts";

export interface CorrectTechContractCommand {
  caller: Caller;
  contractId: string;
  patch: Partial<ContractInput>;
}

/**
 * The submitting organisation corrects a contract an operator sent back. The correction is merged
 * onto the stored terms and validated whole (so cross-field rules still hold), then the contract
 * returns to review with a fresh deadline and no approvals.
 */
export async function correctTechContract(deps: Deps, command: CorrectTechContractCommand) {
  const actor = requireActor(command.caller);
  const outcome = await commitDecision(deps, eventActor(actor), async (deps, now) => {
    const contract = await loadVisibleContract(deps, actor, command.contractId);
    if (contract.submittedByOrganizationId !== actor.organizationId) {
      throw new ForbiddenError("only the organisation that submitted the contract may correct it");
    }
    if (contract.status !== "correction_requested") {
      throw new InvalidStateError(
        `the contract is ${contract.status}; corrections are accepted only while its status is correction_requested`,
      );
    }
    // Each field of the patch was validated as it came in; the rules across fields run on the whole.
    // A patch holds only the keys that were sent: merged onto the stored terms it is a whole input.
    const merged = { ...inputOf(contract), ...command.patch } as ContractInput;
    const errors = [...ruleErrors(checkContractRules, merged), ...clockFieldErrors(merged, now)];
    if (errors.length > 0) throw new ValidationError(errors);
    const terms = await resolveTerms(deps.store, merged, now);
    if (terms.seller.organizationId !== actor.organizationId && terms.buyer.organizationId !== actor.organizationId) {
      throw new ForbiddenError("the corrected contract must still have your organisation as seller or buyer");
    }
    await assertNoLiveDuplicate(deps.store, actor, terms, contract.id);
    const at = now.toISOString();
    const next: TechContractRecord = {
      ...contract,
      ...terms,
      status: "submitted",
      reviewStartedOn: chinaDate(now),
      approvals: [],
      revision: contract.revision + 1,
      updatedAt: at,
    };
    return {
      result: next,
      events: [{ action: "tech_contract.corrected", subjectType: "tech_contract", subjectId: next.id, state: next }],
      changes: [],
    };
  });
  if (outcome.kind !== "done") throw new Error("corrections are not idempotent-keyed");
  return outcome.result;
}
