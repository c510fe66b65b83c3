import { describe, expect, it } from "vitest";
import { verifyLedger } from "../../../src/domain/verification/verify-ledger.ts";
import { countRows, createTestApp } from "../../support/app.ts";
import { givenBank, patentNumber, pledgeBody, submitPledge } from "../../support/given-pledge.ts";
import { givenRoles } from "../../support/roles.ts";

describe("IP pledges: no right is pledged twice", () => {
  for (const file of [false, true]) {
    it(`32 submissions of one right at once: exactly one wins, 31 get the 409 naming it (${file ? "file" : "memory"})`, async () => {
      const t = await createTestApp({}, { file });
      const roles = await givenRoles(t);
      const banks: Awaited<ReturnType<typeof givenBank>>[] = [];
      for (let i = 0; i < 4; i++) banks.push(await givenBank(t, roles, `Bank ${i}`));
      const number = patentNumber();
      const responses = await Promise.all(
        Array.from({ length: 32 }, (_, i) => {
          const bank = banks[i % banks.length] as (typeof banks)[number];
          return submitPledge(
            t,
            bank.token,
            pledgeBody(roles.member.organization.id, bank.organization.id, {
              rights: [
                { type: "patent", number: i % 2 ? number : number.replace("ZL", ""), title: "同一专利" },
                { type: "trademark", number: String(10_000_000 + i), title: `商标 ${i}` },
              ],
            }),
          );
        }),
      );
      const won = responses.filter((r) => r.status === 201);
      const refused = responses.filter((r) => r.status === 409);
      expect(won).toHaveLength(1);
      expect(refused).toHaveLength(31);
      for (const r of refused) expect(r.json.existingId).toBe(won[0]?.json.id);
      expect(await countRows(t, "pledges")).toBe(1);
      expect(await countRows(t, "pledge_rights")).toBe(2);
      expect((await verifyLedger(t.deps)).ok).toBe(true);
    });
  }

  it("the store refuses a held right even when the read before the write missed it", async () => {
    const t = await createTestApp();
    const roles = await givenRoles(t);
    const bank = await givenBank(t, roles);
    const number = patentNumber();
    const body = () =>
      pledgeBody(roles.member.organization.id, bank.organization.id, {
        rights: [{ type: "patent", number, title: "同一专利" }],
      });
    const first = await submitPledge(t, bank.token, body());
    expect(first.status, first.text).toBe(201);

    // Blind the next attempt's read of held rights, as a read that raced with the first write would be.
    const store = t.deps.store;
    const attempt = store.attempt;
    let blinded = 0;
    store.attempt = (run) =>
      attempt((s) =>
        run({ ...s, findRightHolders: async (keys) => (blinded++ === 0 ? [] : s.findRightHolders(keys)) }),
      );
    const second = await submitPledge(t, bank.token, body());
    store.attempt = attempt;
    expect(blinded).toBeGreaterThanOrEqual(2);
    expect(second.status, second.text).toBe(409);
    expect(second.json.existingId).toBe(first.json.id);
    expect(await countRows(t, "pledges")).toBe(1);
  });
});
