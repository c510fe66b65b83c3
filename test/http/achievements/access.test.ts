import { beforeEach, describe, expect, it } from "vitest";
import { countRows, createTestApp, givenMember, type TestApp } from "../../support/app.ts";
import { contractBody, decide } from "../../support/contracts.ts";
import {
  achievementBody,
  decideAchievement,
  givenRegisteredAchievement,
  givenSubmittedAchievement,
} from "../../support/given-achievement.ts";
import { expectRoleMatrix, givenRoles, type Role, type RoleTokens, tokenOf } from "../../support/roles.ts";

const ROLES: Role[] = ["public", "member", "otherMember", "operator"];
const UNKNOWN_ID = "ach_01XXXXXXXXXXXXXXXXXXXXXXXX";

/** One fresh achievement per role, so that one role's success does not change what the next one meets. */
async function perRole(make: () => Promise<{ id: string }>): Promise<Record<Role, string>> {
  const ids = {} as Record<Role, string>;
  for (const role of ROLES) ids[role] = (await make()).id;
  return ids;
}

async function givenCorrectionRequested(t: TestApp, roles: RoleTokens) {
  const a = await givenSubmittedAchievement(t, roles);
  const sentBack = await decideAchievement(t, roles.operator.token, a.id, "request_correction", "add the patent");
  expect(sentBack.json.status).toBe("correction_requested");
  return sentBack.json;
}

describe("technology achievements: who may do what", () => {
  let t: TestApp;
  let roles: RoleTokens;
  beforeEach(async () => {
    t = await createTestApp();
    roles = await givenRoles(t);
  });

  const get = (id: string, role: Role) => {
    const token = tokenOf(roles, role);
    return t.call("GET", `/v1/achievements/${id}`, token ? { token } : {});
  };

  it("POST /v1/achievements: members of a submitting kind with themselves among the completing organisations", async () => {
    await expectRoleMatrix(t, roles, { public: 401, member: 201, otherMember: 201, operator: 403 }, (role) => ({
      method: "POST",
      path: "/v1/achievements",
      body: achievementBody(role === "otherMember" ? roles.otherMember.organization.id : roles.member.organization.id),
    }));
    expect(await countRows(t, "achievements")).toBe(2);
  });

  it("POST /v1/achievements: an operator is 403 even naming its own organisation", async () => {
    const response = await t.call("POST", "/v1/achievements", {
      token: roles.operator.token,
      body: achievementBody(roles.operator.organizationId),
    });
    expect(response.status, response.text).toBe(403);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("POST /v1/achievements: a bank or an 'other' member is 403, even naming itself, and nothing is written", async () => {
    const before = await countRows(t, "achievements");
    for (const kind of ["bank", "other"]) {
      const m = await givenMember(t, roles.operator.token, { kind });
      const response = await t.call("POST", "/v1/achievements", {
        token: m.token,
        body: achievementBody(m.organization.id),
      });
      expect(response.status, `${kind}: ${response.text}`).toBe(403);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await countRows(t, "achievements")).toBe(before);
  });

  it("POST /v1/achievements: research institutes and medical institutions submit too", async () => {
    for (const kind of ["research_institute", "medical_institution"]) {
      const m = await givenMember(t, roles.operator.token, { kind });
      const response = await t.call("POST", "/v1/achievements", {
        token: m.token,
        body: achievementBody(m.organization.id),
      });
      expect(response.status, `${kind}: ${response.text}`).toBe(201);
      expect(response.json.completingOrganizations[0].kind).toBe(kind);
    }
  });

  it("POST /v1/achievements: no token is 401 before the body is looked at", async () => {
    const response = await t.call("POST", "/v1/achievements", { body: { nonsense: true } });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("GET /v1/achievements/{id} of a submitted one: the submitter and operators only", async () => {
    const a = await givenSubmittedAchievement(t, roles);
    await expectRoleMatrix(t, roles, { public: 404, member: 200, otherMember: 404, operator: 200 }, () => ({
      method: "GET",
      path: `/v1/achievements/${a.id}`,
    }));
  });

  it("GET /v1/achievements/{id} of one sent back, rejected or withdrawn before registration: still hidden from outsiders", async () => {
    const sentBack = await givenCorrectionRequested(t, roles);
    const rejected = await givenSubmittedAchievement(t, roles);
    expect((await decideAchievement(t, roles.operator.token, rejected.id, "reject", "no")).status).toBe(200);
    const withdrawn = await givenSubmittedAchievement(t, roles);
    const w = await t.call("POST", `/v1/achievements/${withdrawn.id}/withdrawal`, {
      token: roles.member.token,
      body: { reason: "by mistake" },
    });
    expect(w.status).toBe(200);
    for (const id of [sentBack.id, rejected.id, withdrawn.id]) {
      await expectRoleMatrix(t, roles, { public: 404, member: 200, otherMember: 404, operator: 200 }, () => ({
        method: "GET",
        path: `/v1/achievements/${id}`,
      }));
    }
  });

  it("GET /v1/achievements/{id} of a registered one: everyone; submittedBy only to the submitter and operators", async () => {
    const a = await givenRegisteredAchievement(t, roles);
    await expectRoleMatrix(t, roles, { public: 200, member: 200, otherMember: 200, operator: 200 }, () => ({
      method: "GET",
      path: `/v1/achievements/${a.id}`,
    }));
    for (const role of ROLES) {
      const seen = await get(a.id, role);
      const insider = role === "member" || role === "operator";
      if (insider) {
        expect(seen.json.submittedBy, role).toEqual({
          organizationId: roles.member.organization.id,
          keyId: roles.member.keyId,
          holder: "Registrar",
        });
        expect(seen.json.submittedAt, role).toBeTypeOf("string");
      } else {
        expect(seen.json, role).not.toHaveProperty("submittedBy");
        expect(seen.json, role).not.toHaveProperty("submittedAt");
        expect(seen.text, role).not.toContain(roles.member.keyId);
      }
    }
  });

  it("a completing organisation that did not submit: hidden before registration, conversion details after, never submittedBy", async () => {
    const body = achievementBody(roles.member.organization.id, {
      completingOrganizations: [
        { organizationId: roles.member.organization.id },
        { organizationId: roles.otherMember.organization.id },
      ],
    });
    const submitted = await t.call("POST", "/v1/achievements", { token: roles.member.token, body });
    expect(submitted.status, submitted.text).toBe(201);
    const id = submitted.json.id;
    // api.md: "others to the submitting organisation and operators".
    expect((await get(id, "otherMember")).status).toBe(404);
    const withdraw = await t.call("POST", `/v1/achievements/${id}/withdrawal`, {
      token: roles.otherMember.token,
      body: { reason: "x" },
    });
    expect(withdraw.status).toBe(404);
    expect((await decideAchievement(t, roles.operator.token, id, "register")).status).toBe(200);
    const seen = await get(id, "otherMember");
    expect(seen.status).toBe(200);
    expect(seen.json.conversion).toEqual({
      contractCount: 0,
      contractIds: [],
      totalAmount: "0.00",
      technologyAmount: "0.00",
    });
    expect(seen.json).not.toHaveProperty("submittedBy");
    // Withdrawal is the submitting organisation's or an operator's, not every completing organisation's.
    const late = await t.call("POST", `/v1/achievements/${id}/withdrawal`, {
      token: roles.otherMember.token,
      body: { reason: "x" },
    });
    expect(late.status).toBe(403);
  });

  it("POST /v1/achievements/{id}/decisions: operators only; an outsider does not learn that it exists", async () => {
    const ids = await perRole(() => givenSubmittedAchievement(t, roles));
    await expectRoleMatrix(t, roles, { public: 401, member: 403, otherMember: 404, operator: 200 }, (role) => ({
      method: "POST",
      path: `/v1/achievements/${ids[role]}/decisions`,
      body: { decision: "register" },
    }));
    for (const role of ["public", "member", "otherMember"] as const) {
      expect((await get(ids[role], "operator")).json.status, role).toBe("submitted");
    }
    expect((await get(ids.operator, "operator")).json.status).toBe("registered");
  });

  it("PATCH /v1/achievements/{id} on a correction_requested one: only the submitter", async () => {
    const ids = await perRole(() => givenCorrectionRequested(t, roles));
    await expectRoleMatrix(t, roles, { public: 401, member: 200, otherMember: 404, operator: 403 }, (role) => ({
      method: "PATCH",
      path: `/v1/achievements/${ids[role]}`,
      body: { keywords: ["青稞", "葡聚糖", "提取工艺"] },
    }));
    for (const role of ["public", "otherMember", "operator"] as const) {
      const seen = await get(ids[role], "operator");
      expect(seen.json.status, role).toBe("correction_requested");
      expect(seen.json.keywords, role).toEqual(["青稞", "葡聚糖"]);
    }
    expect((await get(ids.member, "member")).json.status).toBe("submitted");
  });

  it("POST .../withdrawal of a submitted one: the submitter and operators; outsiders 404", async () => {
    const ids = await perRole(() => givenSubmittedAchievement(t, roles));
    await expectRoleMatrix(t, roles, { public: 401, member: 200, otherMember: 404, operator: 200 }, (role) => ({
      method: "POST",
      path: `/v1/achievements/${ids[role]}/withdrawal`,
      body: { reason: "withdrawn for the test" },
    }));
  });

  it("POST .../withdrawal of a registered one: the submitter and operators; outsiders 403 (they can see it)", async () => {
    const ids = await perRole(() => givenRegisteredAchievement(t, roles));
    await expectRoleMatrix(t, roles, { public: 401, member: 200, otherMember: 403, operator: 200 }, (role) => ({
      method: "POST",
      path: `/v1/achievements/${ids[role]}/withdrawal`,
      body: { reason: "withdrawn for the test" },
    }));
    expect((await get(ids.otherMember, "public")).json.status).toBe("registered");
    expect((await get(ids.public, "public")).json.status).toBe("registered");
  });

  it("the catalogue and the statistics: public, so 200 for every role", async () => {
    await givenRegisteredAchievement(t, roles);
    for (const path of ["/v1/achievements", "/v1/achievements?q=青稞", "/v1/statistics/achievements"]) {
      await expectRoleMatrix(t, roles, { public: 200, member: 200, otherMember: 200, operator: 200 }, () => ({
        method: "GET",
        path,
      }));
    }
    const page = await t.call("GET", "/v1/achievements");
    expect(page.json.items).toHaveLength(1);
    expect(page.json.notice).toContain("not proof of ownership");
  });

  it("the catalogue holds registered achievements only, whoever asks", async () => {
    const registered = await givenRegisteredAchievement(t, roles);
    await givenSubmittedAchievement(t, roles);
    await givenCorrectionRequested(t, roles);
    for (const role of ROLES) {
      const token = tokenOf(roles, role);
      const page = await t.call("GET", "/v1/achievements", token ? { token } : {});
      expect(
        page.json.items.map((a: { id: string }) => a.id),
        role,
      ).toEqual([registered.id]);
    }
  });

  it("an invalid token is 401 on the public routes too", async () => {
    for (const path of ["/v1/achievements", "/v1/statistics/achievements", `/v1/achievements/${UNKNOWN_ID}`]) {
      const response = await t.call("GET", path, { headers: { authorization: "Bearer abc.def.ghi" } });
      expect(response.status, `${path}: ${response.text}`).toBe(401);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("a 404 never reveals whether the achievement exists", async () => {
    const hidden = await givenSubmittedAchievement(t, roles);
    const requests: [string, (id: string) => string, unknown, Role][] = [
      ["GET", (id) => `/v1/achievements/${id}`, undefined, "public"],
      ["GET", (id) => `/v1/achievements/${id}`, undefined, "otherMember"],
      ["POST", (id) => `/v1/achievements/${id}/decisions`, { decision: "register" }, "otherMember"],
      ["POST", (id) => `/v1/achievements/${id}/withdrawal`, { reason: "x" }, "otherMember"],
      ["PATCH", (id) => `/v1/achievements/${id}`, { title: "x" }, "otherMember"],
    ];
    for (const [method, path, body, role] of requests) {
      const token = tokenOf(roles, role);
      const call = (id: string) =>
        t.call(method, path(id), { ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) });
      const existing = await call(hidden.id);
      const missing = await call(UNKNOWN_ID);
      const where = `${role} ${method} ${path(":id")}`;
      expect(existing.status, where).toBe(404);
      expect(missing.status, where).toBe(404);
      for (const r of [existing, missing]) {
        expect(r.headers.get("content-type"), where).toContain("application/problem+json");
      }
      // Same shape; the id echoed is the one asked, and nothing else differs.
      expect(Object.keys(existing.json).sort(), where).toEqual(Object.keys(missing.json).sort());
      const { requestId: _a, instance: i1, detail: d1, ...rest1 } = existing.json;
      const { requestId: _b, instance: i2, detail: d2, ...rest2 } = missing.json;
      expect(rest1, where).toEqual(rest2);
      expect(d1, where).toContain(hidden.id);
      expect(d2, where).toContain(UNKNOWN_ID);
      expect(d1.replace(hidden.id, "{id}"), where).toBe(d2.replace(UNKNOWN_ID, "{id}"));
      expect(i1.replace(hidden.id, "{id}"), where).toBe(i2.replace(UNKNOWN_ID, "{id}"));
      expect(existing.text, where).not.toContain(hidden.title);
    }
  });

  it("the submitter asking for an unknown id, and an operator deciding one, is 404 too", async () => {
    const asked = await t.call("POST", `/v1/achievements/${UNKNOWN_ID}/decisions`, {
      token: roles.member.token,
      body: { decision: "register" },
    });
    expect(asked.status).toBe(404);
    const decided = await decideAchievement(t, roles.operator.token, UNKNOWN_ID, "register");
    expect(decided.status).toBe(404);
    expect(decided.json.detail).toContain(UNKNOWN_ID);
  });
});

describe("technology achievements: conversion figures are confidential", () => {
  it("contractCount for everyone; contractIds and amounts only for completing organisations and operators, in the catalogue too", async () => {
    const t = await createTestApp();
    const roles = await givenRoles(t);
    const a = await givenRegisteredAchievement(t, roles);
    const contract = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, {
        achievementIds: [a.id],
        totalAmount: "1000000",
        technologyAmount: "900000",
      }),
    });
    expect(contract.status, contract.text).toBe(201);
    expect((await decide(t, roles.operator.token, contract.json.id, "register")).status).toBe(200);

    const insiderView = {
      contractCount: 1,
      contractIds: [contract.json.id],
      totalAmount: "1000000.00",
      technologyAmount: "900000.00",
    };
    const expected: Record<Role, object> = {
      public: { contractCount: 1 },
      member: insiderView,
      otherMember: { contractCount: 1 },
      operator: insiderView,
    };
    for (const role of ROLES) {
      const token = tokenOf(roles, role);
      const options = token ? { token } : {};
      const one = await t.call("GET", `/v1/achievements/${a.id}`, options);
      expect(one.status, role).toBe(200);
      expect(one.json.conversion, `${role} GET`).toEqual(expected[role]);
      for (const path of ["/v1/achievements", "/v1/achievements?q=青稞", "/v1/achievements?kind=applied_technology"]) {
        const page = await t.call("GET", path, options);
        expect(page.status, `${role} ${path}`).toBe(200);
        const item = page.json.items.find((i: { id: string }) => i.id === a.id);
        expect(item?.conversion, `${role} ${path}`).toEqual(expected[role]);
        if (role === "public" || role === "otherMember") {
          expect(page.text, `${role} ${path}`).not.toContain(contract.json.id);
          expect(page.text, `${role} ${path}`).not.toContain("900000");
          expect(item, `${role} ${path}`).not.toHaveProperty("submittedBy");
        }
      }
    }
  });
});
