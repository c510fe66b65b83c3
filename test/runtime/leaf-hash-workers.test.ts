import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { buildTree, rootHex } from "../../src/domain/bulletins/bulletin-tree.ts";
import { leafHashWorkers } from "../../src/runtime/leaf-hash-workers.ts";
import { createTestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles, travel } from "../support/roles.ts";

describe("bulletin trees hashed in worker threads", () => {
  it("give the same leaves, seqs and root as the tree read by pages here, for any number of threads", async () => {
    const t = await createTestApp({}, { file: true });
    const roles = await givenRoles(t);
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await givenRegisteredContract(t, roles)).id);
    await t.call("POST", `/v1/contracts/${ids[2]}/cancellation`, {
      token: roles.operator.token,
      body: { reason: "Both parties ended the contract before work began." },
    });
    await travel(t, roles, "2025-08-02T02:00:00.000Z");
    await givenRegisteredContract(t, roles); // dated after the period: not a leaf
    await t.deps.store.durable();
    const { rows } = await sql<{ file: string }>`SELECT file FROM pragma_database_list WHERE name = 'main'`.execute(
      t.database.db,
    );
    const path = rows[0]?.file as string;
    const head = await t.deps.store.auditHead();
    const here = await buildTree(t.deps.store, head.seq, "2025-07-31");
    expect(here.log.length).toBe(8);
    for (const threads of [1, 2, 3, 16]) {
      const there = await buildTree(t.deps.store, head.seq, "2025-07-31", leafHashWorkers(path, threads));
      expect(there.log.length).toBe(here.log.length);
      expect(rootHex(there)).toBe(rootHex(here));
      expect([...there.seqs]).toEqual([...here.seqs]);
      expect([...there.days]).toEqual([...here.days]);
    }
  });
});
