import { env } from "cloudflare:test";
import { CompiledQuery, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openD1 } from "../../db/dialects/d1.ts";
import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import { migrate } from "../../db/migrate.ts";
import { KEYS_PER_UPDATE } from "../../db/migrations/0012-legacy-number-keys.ts";
import { migrations } from "../../db/migrations/index.ts";
import { contractNumberKey } from "../../src/domain/tech-contracts/contract-number.ts";

const party = (organizationId: string, name: string, creditCode: string) => ({
  organizationId,
  name,
  creditCode,
  kind: "university",
  regionCode: "540102",
});

/** A contract's state as a ledger before migration 10 stored it: no contractNumberKey. */
function legacyState(id: string, contractNumber: string, registrationSerial: number | null) {
  const registered = registrationSerial !== null;
  return JSON.stringify({
    id,
    status: registered ? "registered" : "submitted",
    title: `Legacy ${id}`,
    contractNumber,
    type: "technology_development",
    subType: null,
    equityContribution: false,
    seller: party("org-seller", "Tibet University", "12540000MB0000001A"),
    buyer: party("org-buyer", "Lhasa Enterprise", "91540100MA6T000002"),
    signedOn: "2020-03-01",
    validFrom: "2020-03-01",
    validTo: "2021-03-01",
    totalFen: 100_000,
    technologyFen: 100_000,
    techField: "electronic_information",
    ipType: "none",
    achievementIds: [],
    flow: "local",
    large: false,
    submittedAt: "2020-03-02T00:00:00.000Z",
    submittedByOrganizationId: "org-seller",
    submittedByKeyId: "key-1",
    submittedByHolder: "Dawa",
    reviewStartedOn: "2020-03-02",
    approvals: [],
    decisionReason: null,
    registrationYear: registered ? 2020 : null,
    registrationSerial,
    registrationNumber: registered ? `2020540100${String(registrationSerial).padStart(6, "0")}` : null,
    registeredOn: registered ? "2020-03-03" : null,
    endedOn: null,
    endReason: null,
    revision: 1,
    updatedAt: "2020-03-03T00:00:00.000Z",
  });
}

/** Local D1 keeps its files between runs: drop what an earlier run made, newest first (foreign keys). */
async function emptied(database: LedgerDatabase) {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'
      AND sql NOT LIKE 'CREATE TABLE ''%' ORDER BY rowid DESC`.execute(database.db);
  const tables = new Set(rows.map((row) => row.name));
  // A full-text index's shadow tables go with it.
  const shadows = [...tables].filter((name) => /_(data|idx|docsize|config|content)$/.test(name));
  for (const name of rows.map((row) => row.name)) {
    if (shadows.includes(name) || !tables.has(name)) continue;
    await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(database.db);
  }
}

describe("migration 12 on D1", () => {
  it("keys thousands of legacy contracts in a few statements, a duplicate spelled otherwise keyed apart", async () => {
    const database = openD1(env.MIGRATION_DB);
    await emptied(database);
    await migrate(database, migrations.slice(0, 11));
    const inserts: CompiledQuery[] = [
      ["org-seller", "Tibet University", "12540000MB0000001A"],
      ["org-buyer", "Lhasa Enterprise", "91540100MA6T000002"],
    ].map(([id, name, code]) =>
      CompiledQuery.raw(
        "INSERT INTO organizations (id, name, kind, role, credit_code, region_code, created_at) VALUES (?, ?, 'university', 'member', ?, '540102', '2020-01-01T00:00:00.000Z')",
        [id, name, code],
      ),
    );
    const count = 2 * KEYS_PER_UPDATE + 500;
    const numbers = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const id = `c${String(i).padStart(6, "0")}`;
      // Every tenth number in full-width characters, as some were typed.
      const number = i % 10 === 0 ? `ＨＴ－${i}` : `HT-${i}`;
      numbers.set(id, number);
      inserts.push(
        CompiledQuery.raw("INSERT INTO tech_contracts (id, state, event_seq) VALUES (?, ?, ?)", [
          id,
          legacyState(id, number, i + 1),
          i + 1,
        ]),
      );
    }
    // A submitted duplicate of the registered HT-7, typed in another case: it cannot take the key.
    inserts.push(
      CompiledQuery.raw("INSERT INTO tech_contracts (id, state, event_seq) VALUES (?, ?, ?)", [
        "d000001",
        legacyState("d000001", "ht-7", null),
        count + 1,
      ]),
    );
    await database.batch(inserts);

    // D1 counts each statement of a batch against a Worker invocation's queries (1,000 at most):
    // the migration's batch must not grow with the number of legacy contracts.
    const batches: number[] = [];
    const counted = {
      ...database,
      batch: (queries: CompiledQuery[]) => {
        batches.push(queries.length);
        return database.batch(queries);
      },
    };
    const report = await migrate(counted);
    const later = migrations.slice(11).map((m) => m.version);
    expect(report.applied).toEqual(later);
    expect(batches).toHaveLength(1 + later.length); // the bookkeeping table, then one batch per migration
    expect(batches[1]).toBeLessThan(20);
    const { rows } = await sql<{ id: string; key: string | null }>`
      SELECT id, contract_number_key AS key FROM tech_contracts ORDER BY id`.execute(database.db);
    expect(rows).toHaveLength(count + 1);
    for (const row of rows.slice(0, count)) {
      expect(row.key, row.id).toBe(contractNumberKey(numbers.get(row.id) as string));
    }
    expect(rows.find((row) => row.id === "c000010")?.key).toBe("ht-10");
    expect(rows.at(-1)).toEqual({ id: "d000001", key: "ht-7\u0000d000001" });
  });
});
