import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { createTestApp, givenMember, givenOperator } from "../support/app.ts";

/** Organisations never change once committed, so a file-backed store keeps those it has read. */
describe("organisations kept in memory", () => {
  it("serves a committed organisation from memory; verification still reads the table", async () => {
    const t = await createTestApp({}, { file: true });
    const operator = await givenOperator(t);
    const member = await givenMember(t, operator.token);
    const id = member.organization.id as string;
    const first = await t.deps.store.findOrganization(id);
    expect(first?.name).toBe(member.organization.name);

    // Changed behind the ledger's back: reads keep what was committed through it...
    await sql`UPDATE organizations SET name = 'Forged' WHERE id = ${id}`.execute(t.database.db);
    expect((await t.deps.store.findOrganization(id))?.name).toBe(member.organization.name);
    expect((await t.call("GET", `/v1/organizations/${id}`, { token: operator.token })).json.name).toBe(
      member.organization.name,
    );
    // ...and verification, which reads the rows themselves, reports the change.
    const report = await verifyLedger(t.deps);
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.subject).toBe(`organization ${id}`);
  });

  it("keeps nothing a write read before it committed, nor an organisation that is not there", async () => {
    const t = await createTestApp({}, { file: true });
    await givenOperator(t);
    const id = "org_NOTCOMMITTED";
    await expect(
      t.deps.store.attempt(async (store) => {
        await t.database.batch([
          t.database.db
            .insertInto("organizations")
            .values({
              id,
              name: "Rolled back",
              kind: "university",
              role: "member",
              credit_code: "x",
              region_code: "540102",
              created_at: "2025-06-02T02:00:00.000Z",
            })
            .compile(),
        ]);
        expect((await store.findOrganization(id))?.name).toBe("Rolled back");
        throw new Error("the attempt fails");
      }),
    ).rejects.toThrow("the attempt fails");
    expect(await t.deps.store.findOrganization(id)).toBeUndefined();
    expect(await t.deps.store.attempt((store) => store.findOrganization(id))).toBeUndefined();
  });
});
