import { ForbiddenError, UnauthenticatedError } from "./errors.ts";
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
