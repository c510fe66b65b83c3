import { expect } from "vitest";
import { givenMember, givenOperator, type TestApp, tokenFor } from "./app.ts";

export type Role = "public" | "member" | "otherMember" | "operator";

export interface RoleTokens {
  operator: Awaited<ReturnType<typeof givenOperator>>;
  /**
   * The operator who created the members and issued their keys: under the separation of duties
   * its approval alone registers none of their contracts, so the reviewing `operator` is another.
   */
  registrar: Awaited<ReturnType<typeof givenOperator>>;
  member: Awaited<ReturnType<typeof givenMember>>;
  otherMember: Awaited<ReturnType<typeof givenMember>>;
}

export async function givenRoles(t: TestApp): Promise<RoleTokens> {
  const operator = await givenOperator(t);
  const registrar = await givenOperator(t, "Key Registrar");
  const member = await givenMember(t, registrar.token, { name: "Tibet University" });
  const otherMember = await givenMember(t, registrar.token, { name: "Lhasa Enterprise", kind: "enterprise" });
  return { operator, registrar, member, otherMember };
}

export function tokenOf(roles: RoleTokens, role: Role): string | undefined {
  return role === "public" ? undefined : roles[role].token;
}

/**
 * Tries one request as every role and checks each status: the shared authorisation matrix.
 * `make` builds the request afresh for each role so creations do not collide.
 */
export async function expectRoleMatrix(
  t: TestApp,
  roles: RoleTokens,
  expected: Record<Role, number>,
  make: (role: Role) => { method: string; path: string; body?: unknown },
) {
  for (const role of Object.keys(expected) as Role[]) {
    const { method, path, body } = make(role);
    const token = tokenOf(roles, role);
    const response = await t.call(method, path, {
      ...(token ? { token } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    expect(response.status, `${role} ${method} ${path}: ${response.text}`).toBe(expected[role]);
    if (response.status >= 400) expect(response.headers.get("content-type")).toContain("application/problem+json");
  }
}

/** Moves the clock and re-issues every role's token, as clients do when theirs expire. */
export async function travel(
  t: TestApp,
  roles: RoleTokens,
  iso: string,
  ...others: { apiKey: string; token: string }[]
) {
  t.clock.set(iso);
  for (const holder of [roles.operator, roles.registrar, roles.member, roles.otherMember, ...others]) {
    holder.token = await tokenFor(t, holder.apiKey);
  }
}
