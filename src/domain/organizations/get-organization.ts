import { requireActor } from "../access.ts";
import { NotFoundError } from "../errors.ts";
import type { Caller, Deps, OrganizationRecord } from "../ports.ts";

/** Operators see every organisation; a member sees only its own (others are 404, not 403). */
export async function getOrganization(
  deps: Pick<Deps, "store">,
  caller: Caller,
  id: string,
): Promise<OrganizationRecord> {
  const actor = requireActor(caller);
  const record = await deps.store.findOrganization(id);
  if (!record || (actor.role !== "operator" && actor.organizationId !== id)) {
    throw new NotFoundError("organization", id);
  }
  return record;
}
