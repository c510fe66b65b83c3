import { expect } from "vitest";
import { patentCheckCharacter } from "../../contracts/ip-numbers.ts";
import { givenMember, type TestApp } from "./app.ts";
import type { RoleTokens } from "./roles.ts";

let serial = 0;

/** A valid Chinese invention patent number, new on each call: year 2021, type 1, a serial, its check character. */
export function patentNumber(n = ++serial, prefix = "ZL"): string {
  const digits = `20211${String(n).padStart(7, "0")}`;
  return `${prefix}${digits}.${patentCheckCharacter(digits)}`;
}

/** A bank member, created and keyed by the registrar. */
export function givenBank(t: TestApp, roles: RoleTokens, name = "Bank of Tibet Lhasa Branch") {
  return givenMember(t, roles.registrar.token, { name, kind: "bank" });
}

/** A valid submit-pledge body: two fresh patents of the pledgor, 5,000,000 yuan, to the pledgee. */
export function pledgeBody(pledgorId: string, pledgeeId: string, overrides: Record<string, unknown> = {}) {
  return {
    pledgor: { organizationId: pledgorId },
    pledgeeOrganizationId: pledgeeId,
    rights: [
      { type: "patent", number: patentNumber(), title: "一种青稞β-葡聚糖的提取方法" },
      { type: "patent", number: patentNumber(), title: "藏药材低温干燥装置" },
    ],
    securedAmount: "5000000",
    termStart: "2025-06-01",
    termEnd: "2027-05-31",
    contractNumber: `ZYDK-2025-${++serial}`,
    ...overrides,
  };
}

export async function submitPledge(t: TestApp, token: string, body: unknown) {
  return t.call("POST", "/v1/pledges", { token, body });
}

export async function decidePledge(t: TestApp, token: string, id: string, decision: string, reason?: string) {
  return t.call("POST", `/v1/pledges/${id}/decisions`, {
    token,
    body: reason === undefined ? { decision } : { decision, reason },
  });
}

/** A pledge of the member (the pledgor) to the bank, submitted by the bank. */
export async function givenSubmittedPledge(
  t: TestApp,
  roles: RoleTokens,
  bank: { token: string; organization: { id: string } },
  overrides: Record<string, unknown> = {},
) {
  const response = await submitPledge(
    t,
    bank.token,
    pledgeBody(roles.member.organization.id, bank.organization.id, overrides),
  );
  expect(response.status, response.text).toBe(201);
  return response.json;
}

export async function givenRegisteredPledge(
  t: TestApp,
  roles: RoleTokens,
  bank: { token: string; organization: { id: string } },
  overrides: Record<string, unknown> = {},
) {
  const submitted = await givenSubmittedPledge(t, roles, bank, overrides);
  const registered = await decidePledge(t, roles.operator.token, submitted.id, "register");
  expect(registered.status, registered.text).toBe(200);
  return registered.json;
}
