import { requireActor, visibleOr404 } from "../access.ts";
import { chinaDate } from "../dates.ts";
import { ForbiddenError, ValidationError } from "../errors.ts";
import type { Actor, Caller, ContractListFilter, Deps, TechContractReads } from "../ports.ts";
import { calendarYears } from "../working-days.ts";
import {
  type ContractStatus,
  type ContractType,
  isOverdue,
  type ReviewClock,
  reviewDueOn,
  type TechContractRecord,
} from "./tech-contract.ts";

export function isPartyTo(actor: Actor, contract: TechContractRecord): boolean {
  return (
    contract.seller.organizationId === actor.organizationId || contract.buyer.organizationId === actor.organizationId
  );
}

/** Operators see every contract; members those they are party to; anything else is not found. */
export async function loadVisibleContract(deps: { store: TechContractReads }, actor: Actor, id: string) {
  const contract = await deps.store.findTechContract(id);
  return visibleOr404(contract, (c) => actor.role === "operator" || isPartyTo(actor, c), "contract", id);
}

/**
 * For operator-only actions on a contract: a member that may not see the contract gets 404, as
 * for any object it may not see; a party to it gets 403.
 */
export async function requireOperatorOn(
  deps: { store: TechContractReads },
  caller: Caller,
  contractId: string,
): Promise<Actor> {
  const actor = requireActor(caller);
  if (actor.role === "operator") return actor;
  await loadVisibleContract(deps, actor, contractId);
  throw new ForbiddenError("only market operators may do this");
}

export async function getTechContract(deps: Pick<Deps, "store">, caller: Caller, id: string) {
  return loadVisibleContract(deps, requireActor(caller), id);
}

export interface ListTechContractsQuery {
  limit: number;
  cursor?: string | undefined;
  status?: ContractStatus | undefined;
  type?: ContractType | undefined;
  registeredFrom?: string | undefined;
  registeredTo?: string | undefined;
  party?: string | undefined;
  overdue?: boolean | undefined;
}

/** Today and the market's working-day calendar: what review deadlines are judged against. */
export function reviewClockOf(deps: Pick<Deps, "clock" | "market">): ReviewClock {
  return { today: chinaDate(deps.clock.now()), calendar: deps.market.calendar };
}

export async function listTechContracts(
  deps: Pick<Deps, "store" | "clock" | "market">,
  caller: Caller,
  query: ListTechContractsQuery,
) {
  const actor = requireActor(caller);
  const review = reviewClockOf(deps);
  const { today } = review;
  const filter: ContractListFilter = {
    limit: query.limit,
    afterId: query.cursor ? decodeCursor(query.cursor) : undefined,
    visibleTo: actor.role === "operator" ? undefined : actor.organizationId,
    party: query.party,
    status: query.status,
    type: query.type,
    registeredFrom: query.registeredFrom,
    registeredTo: query.registeredTo,
    // The review queue is small: narrow in SQL to submitted before today, then apply working days.
    reviewStartedBefore: query.overdue ? today : undefined,
  };
  const page = await deps.store.listTechContracts(filter);
  const last = page.at(-1);
  const items = query.overdue === undefined ? page : page.filter((c) => isOverdue(c, review) === query.overdue);
  // Which year's calendar data counted the deadlines shown (from review start to deadline).
  const spans = items.flatMap((c) => {
    const due = reviewDueOn(c, review.calendar);
    return due ? [Number(c.reviewStartedOn.slice(0, 4)), Number(due.slice(0, 4))] : [];
  });
  const year = Number(today.slice(0, 4));
  const reviewCalendar = calendarYears(review.calendar, Math.min(year, ...spans), Math.max(year, ...spans));
  return { items, nextCursor: page.length === query.limit && last ? encodeCursor(last.id) : null, reviewCalendar };
}

export function encodeCursor(id: string): string {
  return btoa(id).replaceAll("=", "");
}

export function decodeCursor(cursor: string): string {
  let id = "";
  try {
    id = atob(cursor);
  } catch {}
  if (!/^[a-z]+_[0-9A-Z]+$/.test(id)) {
    throw new ValidationError([{ pointer: "cursor", detail: "is not a cursor this API returned" }]);
  }
  return id;
}
