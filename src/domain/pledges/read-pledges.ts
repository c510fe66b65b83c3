import { ipNumberProblem, ipRightKey, normalizeIpNumber } from "../../../contracts/ip-numbers.ts";
import { requireActor, visibleOr404 } from "../access.ts";
import { ForbiddenError, ValidationError } from "../errors.ts";
import type { Actor, Caller, PledgeListFilter, PledgeReads } from "../ports.ts";
import { decodeCursor, encodeCursor } from "../tech-contracts/read-tech-contracts.ts";
import { maySee, type PledgeRecord, type PledgeRightType, type PledgeStatus } from "./pledge.ts";

/** The pledge if the caller may see it; anything else is not found (never reveal which). */
export async function loadVisiblePledge(deps: { store: PledgeReads }, caller: Caller, id: string) {
  return visibleOr404(await deps.store.findPledge(id), (p) => maySee(caller, p), "pledge", id);
}

/** Operator-only on a pledge: one the caller may not see is 404, as any object it may not see; else 403. */
export async function requireOperatorOnPledge(
  deps: { store: PledgeReads },
  caller: Caller,
  id: string,
): Promise<Actor> {
  const actor = requireActor(caller);
  if (actor.role === "operator") return actor;
  await loadVisiblePledge(deps, actor, id);
  throw new ForbiddenError("only market operators may do this");
}

export async function getPledge(deps: { store: PledgeReads }, caller: Caller, id: string) {
  return loadVisiblePledge(deps, requireActor(caller), id);
}

export interface ListPledgesQuery {
  limit: number;
  cursor?: string | undefined;
  status?: PledgeStatus | undefined;
}

/** Operators see every pledge; a member those it is the pledgor or the pledgee of. Newest first. */
export async function listPledges(deps: { store: PledgeReads }, caller: Caller, query: ListPledgesQuery) {
  const actor = requireActor(caller);
  const filter: PledgeListFilter = {
    limit: query.limit,
    beforeId: query.cursor ? decodeCursor(query.cursor) : undefined,
    visibleTo: actor.role === "operator" ? undefined : actor.organizationId,
    status: query.status,
  };
  const items = await deps.store.listPledges(filter);
  const last = items.at(-1);
  return { items, nextCursor: items.length === query.limit && last ? encodeCursor(last.id) : null };
}

export interface RightLookupResult {
  right: { type: PledgeRightType; number: string };
  holder: PledgeRecord | null;
}

/** The public register's view of one right: the pledge holding it, if any (the caller shows little of it). */
export async function lookupRight(
  deps: { store: PledgeReads },
  type: PledgeRightType,
  number: string,
): Promise<RightLookupResult> {
  const problem = ipNumberProblem(type, number);
  if (problem) throw new ValidationError([{ pointer: "number", detail: problem }]);
  const [holder] = await deps.store.findRightHolders([ipRightKey(type, number)]);
  return { right: { type, number: normalizeIpNumber(type, number) }, holder: holder ?? null };
}
