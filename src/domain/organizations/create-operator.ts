import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision } from "../ledger/write.ts";
import type { Change, Deps, EventActor, OrganizationRecord } from "../ports.ts";
import { draftApiKey } from "./create-api-key.ts";

export const COMMAND_LINE: EventActor = { keyId: null, holder: "command line", organizationId: null };

export interface CreatedOperator {
  organizationId: string;
  keyId: string;
  holder: string;
  apiKey: string;
}

/**
 * Adds a person to the market's operator organisation, creating that organisation the first
 * time. Runs from the command line only: whoever can run it already holds the database.
 */
export async function createOperator(deps: Deps, name: string): Promise<CreatedOperator> {
  const outcome = await commitDecision(deps, COMMAND_LINE, async (deps, now) => {
    const at = now.toISOString();
    const events: EventDraft[] = [];
    const changes: Change[] = [];
    let organization = await deps.store.findOperatorOrganization();
    if (!organization) {
      const created: OrganizationRecord = {
        id: deps.ids.next("org"),
        name: deps.market.operatorOrganizationName,
        kind: "other",
        role: "operator",
        creditCode: null,
        regionCode: deps.market.regionCode,
        createdAt: at,
      };
      organization = created;
      events.push({
        action: "organization.created",
        subjectType: "organization",
        subjectId: created.id,
        state: created,
        organizationId: created.id,
      });
      changes.push({ kind: "organization.insert", record: created });
    }
    const draft = draftApiKey(deps, organization.id, name, at);
    events.push(draft.event);
    changes.push(draft.change);
    return {
      result: {
        organizationId: organization.id,
        keyId: draft.issued.key.id,
        holder: name,
        apiKey: draft.issued.apiKey,
      },
      events,
      changes,
    };
  });
  if (outcome.kind !== "done") throw new Error("create-operator is never replayed");
  return outcome.result;
}
