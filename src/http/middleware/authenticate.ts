import { createMiddleware } from "hono/factory";
import { requireActor } from "../../domain/access.ts";
import { authenticate } from "../../domain/auth/authenticate.ts";
import { UnauthenticatedError } from "../../domain/errors.ts";
import type { AppEnv } from "../app-env.ts";

/**
 * No bearer token: the public caller. An Authorization header of another scheme (Basic from a
 * proxy in front of the service) presents no token, so public routes answer as to anyone and
 * guarded ones ask for a bearer token. A bearer token that is present must be valid on every
 * route, public ones included, or the request is a 401.
 */
export const resolveCaller = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  if (header === undefined || !/^\s*bearer(\s|$)/i.test(header)) {
    c.set("caller", { role: "public" });
    return next();
  }
  const match = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/i.exec(header.trim());
  if (!match?.[1]) throw new UnauthenticatedError("the Authorization header must be 'Bearer <token>'");
  c.set("caller", await authenticate(c.get("deps"), match[1]));
  return next();
});

/**
 * On a route whose contract requires a bearer token (its `security`), a request without one is a
 * 401 before its input is validated: a caller who may not use the route learns that first, not
 * what is wrong with a body it could not send anyway. The operation checks the role again.
 */
export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
  requireActor(c.get("caller"));
  return next();
});
