import { expect } from "vitest";
import type { TestApp } from "./app.ts";
import type { RoleTokens } from "./roles.ts";

let serial = 0;

/** A valid submit-achievement body: the member (a university) is the first completing organisation. */
export function achievementBody(organizationId: string, overrides: Record<string, unknown> = {}) {
  serial++;
  return {
    title: `青稞β-葡聚糖高效提取技术 ${serial}`,
    kind: "applied_technology",
    completingOrganizations: [{ organizationId }],
    completers: [
      { name: "扎西", organizationIndex: 0 },
      { name: "卓玛", organizationIndex: 0 },
    ],
    researchStartedIn: "2021-03",
    researchEndedIn: "2024-06",
    techField: "agriculture",
    stage: "mature",
    evaluation: "domestic_leading",
    keywords: ["青稞", "葡聚糖"],
    abstract: "以西藏高原青稞为原料，建立β-葡聚糖高效提取与纯化工艺，提取率提高三成。",
    ipRights: [{ type: "patent", number: "ZL202110123456.7" }],
    transferModes: ["license", "cooperation"],
    askingPrice: "800000",
    ...overrides,
  };
}

export async function givenSubmittedAchievement(
  t: TestApp,
  roles: RoleTokens,
  overrides: Record<string, unknown> = {},
) {
  const response = await t.call("POST", "/v1/achievements", {
    token: roles.member.token,
    body: achievementBody(roles.member.organization.id, overrides),
  });
  expect(response.status, response.text).toBe(201);
  return response.json;
}

export async function decideAchievement(t: TestApp, token: string, id: string, decision: string, reason?: string) {
  return t.call("POST", `/v1/achievements/${id}/decisions`, {
    token,
    body: reason === undefined ? { decision } : { decision, reason },
  });
}

export async function givenRegisteredAchievement(
  t: TestApp,
  roles: RoleTokens,
  overrides: Record<string, unknown> = {},
) {
  const submitted = await givenSubmittedAchievement(t, roles, overrides);
  const registered = await decideAchievement(t, roles.operator.token, submitted.id, "register");
  expect(registered.status, registered.text).toBe(200);
  expect(registered.json.status).toBe("registered");
  return registered.json;
}
