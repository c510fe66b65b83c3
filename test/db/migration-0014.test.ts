import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrate } from "../../db/migrate.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { createTestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { exactVerification } from "../support/exact-verification.ts";
import { givenBank, givenRegisteredPledge } from "../support/given-pledge.ts";
import { givenRoles, travel } from "../support/roles.ts";

const OFF = { limit: 0, windowMs: 60_000 };
const TABLES = ["volume_monthly", "volume_periods", "pledge_monthly", "pledge_periods"];
const LARGEST: Record<string, string[]> = {
  volume: ["largest_total_fen", "largest_technology_fen"],
  pledge: ["largest_secured_fen"],
};

async function cells(db: Kysely<never>) {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db);
    out[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return out;
}

describe("migration 14: monthly and period cells keep their largest entry", () => {
  it("fills them from the entries exactly as the writes keep them, a reversed contract's amount included", async () => {
    const t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } });
    const roles = await givenRoles(t);
    const bank = await givenBank(t, roles);
    await travel(t, roles, "2025-07-10T02:00:00.000Z", bank);
    await givenRegisteredContract(t, roles, { totalAmount: "800000", technologyAmount: "500000" });
    const big = await givenRegisteredContract(t, roles, { totalAmount: "950000", technologyAmount: "100" });
    await givenRegisteredPledge(t, roles, bank, { securedAmount: "2000000" });
    await travel(t, roles, "2025-09-02T02:00:00.000Z", bank);
    await givenRegisteredContract(t, roles, { totalAmount: "300", technologyAmount: "300" });
    const pledge = await givenRegisteredPledge(t, roles, bank, { securedAmount: "70000000" });
    const revoked = await t.call("POST", `/v1/contracts/${big.id}/revocation`, {
      token: roles.operator.token,
      body: { reason: "The contract was found to be a sham after registration." },
    });
    expect(revoked.status, revoked.text).toBe(200);
    const released = await t.call("POST", `/v1/pledges/${pledge.id}/release`, {
      token: bank.token,
      body: { reason: "Loan repaid in full" },
    });
    expect(released.status, released.text).toBe(200);
    const db = t.database.db as never;
    const written = await cells(db);
    const { rows } = await sql<{ largest: number }>`
      SELECT max(largest_total_fen) AS largest FROM volume_monthly WHERE month = '2025-07'`.execute(db);
    expect(rows[0]?.largest).toBe(95_000_000); // the revoked contract still bounds July's cells

    // The ledger as migration 13 left it: no largest columns.
    for (const [family, columns] of Object.entries(LARGEST)) {
      for (const column of columns) {
        for (const table of [`${family}_monthly`, `${family}_periods`]) {
          await sql`ALTER TABLE ${sql.table(table)} DROP COLUMN ${sql.ref(column)}`.execute(db);
        }
      }
    }
    await sql`DELETE FROM schema_migrations WHERE version = 14`.execute(db);

    expect((await migrate(t.database)).applied).toEqual([14]);
    expect(await cells(db)).toEqual(written);
    expect((await verifyLedger(t.deps)).ok).toBe(true);
    expect((await exactVerification(t.deps.store, t.database)).ok).toBe(true);
  });
});
