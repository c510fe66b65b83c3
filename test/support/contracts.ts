import { expect } from "vitest";
import type { TestApp } from "./app.ts";
import type { RoleTokens } from "./roles.ts";

let serial = 0;

/** A valid record-contract body: the member sells to the other member unless told otherwise. */
export function contractBody(sellerOrgId: string, buyerOrgId: string, overrides: Record<string, unknown> = {}) {
  serial++;
  return {
    title: `High-altitude solar greenhouse control system ${serial}`,
    contractNumber: `TC-2025-${String(serial).padStart(4, "0")}`,
    type: "development",
    subType: "commissioned",
    seller: { organizationId: sellerOrgId },
    buyer: { organizationId: buyerOrgId },
    signedOn: "2025-05-20",
    validFrom: "2025-06-01",
    validTo: "2026-05-31",
    totalAmount: "1250000.50",
    technologyAmount: "1000000",
    techField: "agriculture",
    ipType: "patent",
    ...overrides,
  };
}

export async function givenRecordedContract(t: TestApp, roles: RoleTokens, overrides: Record<string, unknown> = {}) {
  const response = await t.call("POST", "/v1/contracts", {
    token: roles.member.token,
    body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, overrides),
  });
  expect(response.status, response.text).toBe(201);
  return response.json;
}

export async function decide(t: TestApp, token: string, id: string, decision: string, reason?: string) {
  return t.call("POST", `/v1/contracts/${id}/decisions`, {
    token,
    body: reason === undefined ? { decision } : { decision, reason },
  });
}

export async function givenRegisteredContract(t: TestApp, roles: RoleTokens, overrides: Record<string, unknown> = {}) {
  const recorded = await givenRecordedContract(t, roles, overrides);
  const registered = await decide(t, roles.operator.token, recorded.id, "register");
  expect(registered.status, registered.text).toBe(200);
  expect(registered.json.status).toBe("registered");
  return registered.json;
}
