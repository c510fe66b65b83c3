import { ForbiddenError, NotFoundError, UnauthenticatedError } from "./errors.ts";
import type { Actor, Caller } from "./ports.ts";

export function requireActor(caller: Caller): Actor {
  if (caller.role === "public") throw new UnauthenticatedError("this operation needs a bearer token");
  return caller;
}

export function requireOperator(caller: Caller): Actor {
  const actor = requireActor(caller);
  if (actor.role !== "operator") throw new ForbiddenError("only market operators may do this");
  return actor;
}

/**
 * Every registry's read rule in one place: the object if the caller may see it, else not found,
 * whether it is missing or hidden (a 404 never tells which).
 */
export function visibleOr404<T>(record: T | undefined, maySee: (record: T) => boolean, subject: string, id: string): T {
  if (record === undefined || !maySee(record)) throw new NotFoundError(subject, id);
  return record;
}
