import { requireOperator } from "../access.ts";
import { ConflictError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps, OrganizationRecord } from "../ports.ts";
import type { OrganizationKind } from "./organization.ts";

export interface CreateOrganizationCommand {
  caller: Caller;
  name: string;
  kind: OrganizationKind;
  creditCode: string;
  regionCode: string;
  idempotency?: IdempotencyRequest<OrganizationRecord>;
}

export async function createOrganization(deps: Deps, command: CreateOrganizationCommand) {
  const actor = requireOperator(command.caller);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const existing = await deps.store.findOrganizationByCreditCode(command.creditCode);
      if (existing) {
        throw new ConflictError(
          `an organisation with credit code ${command.creditCode} already exists: ${existing.id}`,
          existing.id,
        );
      }
      const record: OrganizationRecord = {
        id: deps.ids.next("org"),
        name: command.name,
        kind: command.kind,
        role: "member",
        creditCode: command.creditCode,
        regionCode: command.regionCode,
        createdAt: now.toISOString(),
      };
      return {
        result: record,
        events: [
          {
            action: "organization.created",
            subjectType: "organization",
            subjectId: record.id,
            state: record,
            organizationId: record.id,
          },
        ],
        changes: [{ kind: "organization.insert", record }],
      };
    },
    command.idempotency,
  );
}
