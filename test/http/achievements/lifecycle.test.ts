import { describe, expect, it } from "vitest";
import { Achievement } from "../../../contracts/achievements.ts";
import { verifyLedger } from "../../../src/domain/verification/verify-ledger.ts";
import { countRows, createTestApp, givenMember } from "../../support/app.ts";
import { contractBody, decide } from "../../support/contracts.ts";
import {
  achievementBody,
  decideAchievement,
  givenRegisteredAchievement,
  givenSubmittedAchievement,
} from "../../support/given-achievement.ts";
import { givenRoles, travel } from "../../support/roles.ts";

async function setup(options: { file?: boolean } = {}) {
  const t = await createTestApp({}, options);
  const roles = await givenRoles(t);
  return { t, roles };
}

describe("technology achievements: lifecycle", () => {
  it("a university submits, an operator registers it, and the public reads it", async () => {
    const { t, roles } = await setup();
    const submitted = await givenSubmittedAchievement(t, roles);
    expect(Achievement.parse(submitted).status).toBe("submitted");
    expect(submitted.registrationNumber).toBeNull();
    expect((await t.call("GET", `/v1/achievements/${submitted.id}`)).status).toBe(404);

    const registered = await decideAchievement(t, roles.operator.token, submitted.id, "register");
    expect(registered.status, registered.text).toBe(200);
    // Registry code (LSA by default) + year + Y for applied technology + serial.
    expect(registered.json.registrationNumber).toBe("LSA2025Y0001");
    expect(registered.json.registeredOn).toBe("2025-06-02");

    const seen = await t.call("GET", `/v1/achievements/${submitted.id}`);
    expect(seen.status).toBe(200);
    expect(Achievement.parse(seen.json).conversion).toEqual({ contractCount: 0 });
    expect(seen.json.submittedBy).toBeUndefined();
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("numbers are gap-free per year and per kind, each kind with its letter", async () => {
    const { t, roles } = await setup();
    const numbers = [];
    for (const kind of ["applied_technology", "basic_theory", "applied_technology", "soft_science", "basic_theory"]) {
      numbers.push((await givenRegisteredAchievement(t, roles, { kind })).registrationNumber);
    }
    expect(numbers).toEqual(["LSA2025Y0001", "LSA2025J0001", "LSA2025Y0002", "LSA2025R0001", "LSA2025J0002"]);
    await travel(t, roles, "2025-12-31T16:30:00.000Z"); // 00:30 on 1 January 2026 in China
    expect((await givenRegisteredAchievement(t, roles)).registrationNumber).toBe("LSA2026Y0001");
  });

  it("numbers stay gap-free when twenty registrations race on the file database", async () => {
    const { t, roles } = await setup({ file: true });
    const submitted = [];
    for (let i = 0; i < 20; i++) submitted.push(await givenSubmittedAchievement(t, roles));
    const second = await givenMember(t, roles.operator.token, { name: "unused" });
    expect(second.token).toBeTruthy();
    const results = await Promise.all(
      submitted.map((a) => decideAchievement(t, roles.operator.token, a.id, "register")),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    const serials = results.map((r) => Number(String(r.json.registrationNumber).slice(-4))).sort((a, b) => a - b);
    expect(serials).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("correction: an operator sends it back, the submitter corrects it, it returns to review", async () => {
    const { t, roles } = await setup();
    const a = await givenSubmittedAchievement(t, roles);
    expect((await decideAchievement(t, roles.operator.token, a.id, "request_correction")).status).toBe(400);
    const sentBack = await decideAchievement(t, roles.operator.token, a.id, "request_correction", "add the patent");
    expect(sentBack.json.status).toBe("correction_requested");
    expect(sentBack.json.decisionReason).toBe("add the patent");
    // No review decision while it waits for the correction.
    expect((await decideAchievement(t, roles.operator.token, a.id, "register")).status).toBe(409);
    const patch = (body: unknown, token = roles.member.token) =>
      t.call("PATCH", `/v1/achievements/${a.id}`, { token, body });
    expect((await patch({ keywords: ["青稞"] }, roles.otherMember.token)).status).toBe(404);
    const bad = await patch({ completers: [{ name: "扎西", organizationIndex: 3 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([{ pointer: "/completers/0/organizationIndex", detail: expect.any(String) }]);
    const corrected = await patch({ keywords: ["青稞", "葡聚糖", "提取工艺"] });
    expect(corrected.status, corrected.text).toBe(200);
    expect(corrected.json.status).toBe("submitted");
    expect(corrected.json.keywords).toEqual(["青稞", "葡聚糖", "提取工艺"]);
    expect((await patch({ title: "again" })).status).toBe(409);
    expect((await decideAchievement(t, roles.operator.token, a.id, "register")).json.status).toBe("registered");
  });

  it("rejection needs a reason; a rejected achievement takes no further decision", async () => {
    const { t, roles } = await setup();
    const a = await givenSubmittedAchievement(t, roles);
    const rejected = await decideAchievement(t, roles.operator.token, a.id, "reject", "not a technology result");
    expect(rejected.json.status).toBe("rejected");
    expect((await decideAchievement(t, roles.operator.token, a.id, "register")).status).toBe(409);
    expect((await t.call("GET", "/v1/achievements")).json.items).toEqual([]);
  });

  it("withdrawal takes a registered achievement out of the catalogue and the statistics", async () => {
    const { t, roles } = await setup();
    const a = await givenRegisteredAchievement(t, roles);
    expect((await t.call("GET", "/v1/achievements?q=青稞")).json.items).toHaveLength(1);
    const stats = async () =>
      (await t.call("GET", "/v1/statistics/achievements", { token: roles.operator.token })).json.totals;
    expect(await stats()).toEqual({ registered: 1, converted: 0, conversionRate: "0.0000" });
    const withdraw = (token?: string) =>
      t.call("POST", `/v1/achievements/${a.id}/withdrawal`, {
        ...(token ? { token } : {}),
        body: { reason: "licensed abroad" },
      });
    expect((await withdraw()).status).toBe(401);
    expect((await withdraw(roles.otherMember.token)).status).toBe(403);
    const withdrawn = await withdraw(roles.member.token);
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(withdrawn.json.status).toBe("withdrawn");
    expect(withdrawn.json.withdrawnOn).toBe("2025-06-02");
    expect((await withdraw(roles.member.token)).status).toBe(409);
    expect((await t.call("GET", "/v1/achievements?q=青稞")).json.items).toEqual([]);
    expect((await t.call("GET", `/v1/achievements/${a.id}`)).status).toBe(404);
    expect(await stats()).toEqual({ registered: 0, converted: 0, conversionRate: null });
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("a retried submission with the same Idempotency-Key creates one achievement", async () => {
    const { t, roles } = await setup();
    const body = achievementBody(roles.member.organization.id);
    const send = (b: unknown) =>
      t.call("POST", "/v1/achievements", { token: roles.member.token, body: b, headers: { "idempotency-key": "a-1" } });
    const first = await send(body);
    const again = await send(body);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect((await send({ ...body, title: "another" })).status).toBe(422);
    expect(await countRows(t, "achievements")).toBe(1);
  });
});

describe("technology achievements: conversion", () => {
  it("a contract that converts an achievement shows in its figures, its amounts only to insiders", async () => {
    const { t, roles } = await setup();
    const a = await givenRegisteredAchievement(t, roles);
    const record = (overrides: Record<string, unknown>, token = roles.member.token) =>
      t.call("POST", "/v1/contracts", {
        token,
        body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, overrides),
      });
    // Not registered, unknown, or the seller not among its completing organisations: 422 naming the index.
    const pending = await givenSubmittedAchievement(t, roles);
    const refused = await record({ achievementIds: [a.id, pending.id, "ach_nope"] });
    expect(refused.status).toBe(422);
    expect(refused.json.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      "/achievementIds/1",
      "/achievementIds/2",
    ]);
    const notSeller = await t.call("POST", "/v1/contracts", {
      token: roles.otherMember.token,
      body: contractBody(roles.otherMember.organization.id, roles.member.organization.id, { achievementIds: [a.id] }),
    });
    expect(notSeller.status).toBe(422);
    expect(notSeller.json.errors[0].detail).toContain("not a completing organisation");
    expect(await countRows(t, "tech_contracts")).toBe(0);

    const contract = await record({ achievementIds: [a.id], totalAmount: "1000000", technologyAmount: "900000" });
    expect(contract.status, contract.text).toBe(201);
    // Recorded is not converted: only a registration counts.
    expect((await t.call("GET", `/v1/achievements/${a.id}`)).json.conversion.contractCount).toBe(0);
    expect((await decide(t, roles.operator.token, contract.json.id, "register")).status).toBe(200);

    const publicView = await t.call("GET", `/v1/achievements/${a.id}`);
    expect(publicView.json.conversion).toEqual({ contractCount: 1 });
    const otherView = await t.call("GET", `/v1/achievements/${a.id}`, { token: roles.otherMember.token });
    expect(otherView.json.conversion).toEqual({ contractCount: 1 });
    for (const token of [roles.member.token, roles.operator.token]) {
      const insider = await t.call("GET", `/v1/achievements/${a.id}`, { token });
      expect(insider.json.conversion).toEqual({
        contractCount: 1,
        contractIds: [contract.json.id],
        totalAmount: "1000000.00",
        technologyAmount: "900000.00",
      });
    }
    const stats = await t.call("GET", "/v1/statistics/achievements?groupBy=kind", { token: roles.operator.token });
    expect(stats.json.rows).toEqual([
      { kind: "applied_technology", registered: 1, converted: 1, conversionRate: "1.0000" },
    ]);

    // Withdrawal keeps the contracts that name it; cancelling the contract reverses the conversion.
    const cancelled = await t.call("POST", `/v1/contracts/${contract.json.id}/cancellation`, {
      token: roles.member.token,
      body: { reason: "rescinded" },
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect((await t.call("GET", `/v1/achievements/${a.id}`)).json.conversion.contractCount).toBe(0);
    expect(
      (await t.call("GET", "/v1/statistics/achievements", { token: roles.operator.token })).json.totals.converted,
    ).toBe(0);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("withdrawing a converted achievement keeps its contracts and takes it out of both counts", async () => {
    const { t, roles } = await setup();
    const a = await givenRegisteredAchievement(t, roles);
    const c = await t.call("POST", "/v1/contracts", {
      token: roles.member.token,
      body: contractBody(roles.member.organization.id, roles.otherMember.organization.id, { achievementIds: [a.id] }),
    });
    await decide(t, roles.operator.token, c.json.id, "register");
    await t.call("POST", `/v1/achievements/${a.id}/withdrawal`, {
      token: roles.operator.token,
      body: { reason: "duplicate" },
    });
    expect(
      (await t.call("GET", `/v1/contracts/${c.json.id}`, { token: roles.member.token })).json.achievementIds,
    ).toEqual([a.id]);
    const view = await t.call("GET", `/v1/achievements/${a.id}`, { token: roles.member.token });
    expect(view.json.conversion.contractCount).toBe(1);
    expect((await t.call("GET", "/v1/statistics/achievements", { token: roles.operator.token })).json.totals).toEqual({
      registered: 0,
      converted: 0,
      conversionRate: null,
    });
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });
});
