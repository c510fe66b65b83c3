import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { stretches } from "../../src/domain/verification/verify-chain.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { stretchWorkers } from "../../src/runtime/verify-workers.ts";
import { createTestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles } from "../support/roles.ts";

const dir = mkdtempSync(join(tmpdir(), "ledger-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A ledger file of three registered contracts (16 events: five stretches of three and one of one), and workers
 * that take its stretches in batches: two, then one at a time, two batches to each of two workers.
 */
async function givenLedgerFile(name: string, workerEntry?: string) {
  const t = await createTestApp();
  const roles = await givenRoles(t);
  for (let i = 0; i < 3; i++) await givenRegisteredContract(t, roles);
  const path = join(dir, name);
  await sql`VACUUM INTO ${path}`.execute(t.database.db);
  const database = openSqlite(path);
  const failures: Error[] = [];
  const workers = stretchWorkers(path, {
    workers: 2,
    minimumPerWorker: 1,
    smallestBatch: 1,
    ...(workerEntry ? { workerEntry } : {}),
    onWorkerFailure: (error) => failures.push(error),
  });
  const tamper = (seq: number) =>
    sql`UPDATE audit_events SET state = replace(state, '"registered"', '"rejected"') WHERE seq = ${seq}`.execute(
      database.db,
    );
  // An edit only the chain shows: the instant is hashed, and in no row.
  const tamperInstant = (seq: number) =>
    sql`UPDATE audit_events SET at = '2020-01-01T00:00:00.000Z' WHERE seq = ${seq}`.execute(database.db);
  return { database, store: createLedgerStore(database), workers, failures, tamper, tamperInstant };
}

const options = { stretchEvents: 3 };

describe("verification in worker processes (Node)", () => {
  it("reports what one process reports, each worker reading its share with its own connection", async () => {
    const { database, store, workers, failures, tamper } = await givenLedgerFile("ledger.sqlite");
    const clean = await verifyLedger({ store, checkStretches: workers }, options);
    expect(clean).toMatchObject({ ok: true, checked: 16 });
    expect(clean).toEqual(await verifyLedger({ store }, options));

    // The second contract's registration.
    await tamper(12);
    const tampered = await verifyLedger({ store, checkStretches: workers }, options);
    expect(tampered.firstInvalidSeq).toBe(12);
    expect(tampered).toEqual(await verifyLedger({ store }, options));
    // The workers really ran: none fell back to checking its share in this process.
    expect(failures).toEqual([]);
    await database.close();
  }, 30_000);

  it("checks here whatever a worker that died mid-way left, and says so", async () => {
    const dies = fileURLToPath(new URL("../support/worker-that-dies.ts", import.meta.url));
    const { database, store, workers, failures, tamperInstant } = await givenLedgerFile("dies.sqlite", dies);
    // Late in the chain, past the first batch of either worker: checked here after they die.
    await tamperInstant(14);
    const report = await verifyLedger({ store, checkStretches: workers }, options);
    // Each worker returned its first batch and died with its second in hand.
    expect(failures.map((f) => f.message)).toEqual([
      "a verification worker exited with code 1",
      "a verification worker exited with code 1",
    ]);
    expect(report.firstInvalidSeq).toBe(14);
    expect(report).toEqual(await verifyLedger({ store }, options));
    await database.close();
  }, 30_000);

  it("checks here the stretches no worker took when every worker fails as it starts", async () => {
    const fails = fileURLToPath(new URL("../support/worker-that-fails.ts", import.meta.url));
    const { database, store, workers, failures, tamperInstant } = await givenLedgerFile("fails.sqlite", fails);
    // Sixteen stretches of one event: the two workers take eleven in their first two batches each,
    // and die; the last five (this one among them) were never cut into a batch.
    await tamperInstant(14);
    const oneEach = { stretchEvents: 1 };
    const report = await verifyLedger({ store, checkStretches: workers }, oneEach);
    expect(failures).toHaveLength(2);
    expect(report).toMatchObject({ ok: false, checked: 16, firstInvalidSeq: 14 });
    expect(report).toEqual(await verifyLedger({ store }, oneEach));
    // The workers' checker itself answers for every stretch (verifyLedger would also fill a gap).
    const ranges = stretches(16, 1);
    expect((await workers(ranges)).map((r) => [r.after, r.upto])).toEqual(ranges.map((r) => [r.after, r.upto]));
    await database.close();
  }, 30_000);
});
