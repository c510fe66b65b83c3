import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { verifyLedger } from "../../src/domain/verify-ledger.ts";
import { stretchWorkers } from "../../src/runtime/verify-workers.ts";
import { createTestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles } from "../support/roles.ts";

const dir = mkdtempSync(join(tmpdir(), "ledger-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("verification in worker processes (Node)", () => {
  it("reports what one process reports, each worker reading its share with its own connection", async () => {
    const t = await createTestApp();
    const roles = await givenRoles(t);
    for (let i = 0; i < 3; i++) await givenRegisteredContract(t, roles);
    const path = join(dir, "ledger.sqlite");
    await sql`VACUUM INTO ${path}`.execute(t.database.db);
    const database = openSqlite(path);
    const store = createLedgerStore(database);
    const failures: Error[] = [];
    const threads = stretchWorkers(path, {
      workers: 2,
      minimumPerWorker: 1,
      // Five stretches go out as four batches (two, then one at a time), two to each worker.
      smallestBatch: 1,
      onWorkerFailure: (error) => failures.push(error),
    });
    const options = { stretchEvents: 3 };

    const clean = await verifyLedger({ store, checkStretches: threads }, options);
    expect(clean).toMatchObject({ ok: true, checked: 15 });
    expect(clean).toEqual(await verifyLedger({ store }, options));

    await sql`UPDATE audit_events SET state = replace(state, '"registered"', '"rejected"') WHERE seq = 11`.execute(
      database.db,
    );
    const tampered = await verifyLedger({ store, checkStretches: threads }, options);
    expect(tampered.firstInvalidSeq).toBe(11);
    expect(tampered).toEqual(await verifyLedger({ store }, options));
    // The workers really ran: none fell back to checking its share in this process.
    expect(failures).toEqual([]);
    await database.close();
  }, 30_000);
});
