import { CompiledQuery, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { migrations } from "../../db/migrations/index.ts";
import { insertAuditEvent } from "../../db/stores/audit-events.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { insertOrganization } from "../../db/stores/organizations.ts";
import { rebuildRollupQueries } from "../../db/stores/rollups.ts";
import { chainEvents, type EventDraft, GENESIS } from "../../src/domain/ledger/audit-chain.ts";
import { ROLLUP_FAMILIES } from "../../src/domain/ledger/rollup-families.ts";
import type { AuditEvent, AuditHead, OrganizationRecord } from "../../src/domain/ports.ts";
import type { TechContractRecord, VolumeEntryRecord } from "../../src/domain/tech-contracts/tech-contract.ts";
import { volumeEntryFor } from "../../src/domain/tech-contracts/tech-contract.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { exactVerification } from "../support/exact-verification.ts";

function oldEventRow(e: AuditEvent) {
  return CompiledQuery.raw(
    "INSERT INTO audit_events (seq, at, actor_key_id, actor_holder, organization_id, action, subject_type, subject_id, state, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [
      e.seq,
      e.at,
      e.actorKeyId,
      e.actorHolder,
      e.organizationId,
      e.action,
      e.subjectType,
      e.subjectId,
      e.state,
      e.prevHash,
      e.hash,
    ],
  );
}

/** A row as schema 5 stored it: one column per field, as the store mapped records then. */
function oldContractRow(r: OldContract) {
  return CompiledQuery.raw(`INSERT INTO tech_contracts VALUES (${Array.from({ length: 42 }, () => "?").join(", ")})`, [
    r.id,
    r.status,
    r.title,
    r.contractNumber,
    r.type,
    r.subType,
    r.equityContribution ? 1 : 0,
    r.seller.organizationId,
    r.seller.name,
    r.seller.creditCode,
    r.seller.kind,
    r.seller.regionCode,
    r.buyer.organizationId,
    r.buyer.name,
    r.buyer.creditCode,
    r.buyer.kind,
    r.buyer.regionCode,
    r.signedOn,
    r.validFrom,
    r.validTo,
    r.totalFen,
    r.technologyFen,
    r.techField,
    r.ipType,
    JSON.stringify(r.achievementIds),
    r.flow,
    r.large ? 1 : 0,
    r.submittedAt,
    r.submittedByOrganizationId,
    r.submittedByKeyId,
    r.submittedByHolder,
    r.reviewStartedOn,
    JSON.stringify(r.approvals),
    r.decisionReason,
    r.registrationYear,
    r.registrationSerial,
    r.registrationNumber,
    r.registeredOn,
    r.endedOn,
    r.endReason,
    r.revision,
    r.updatedAt,
  ]);
}

function oldVolumeRow(e: VolumeEntryRecord) {
  return CompiledQuery.raw(`INSERT INTO volume_entries VALUES (${Array.from({ length: 15 }, () => "?").join(", ")})`, [
    e.id,
    e.contractId,
    e.kind,
    e.entryOn,
    e.count,
    e.totalFen,
    e.technologyFen,
    e.type,
    e.techField,
    e.sellerKind,
    e.buyerKind,
    e.ipType,
    e.sellerRegion,
    e.flow,
    e.recordedAt,
  ]);
}

const member: OrganizationRecord = {
  id: "org_tibet_university",
  name: '西藏大学 "Tibet University"',
  kind: "university",
  role: "member",
  creditCode: "12540000MB0P05371F",
  regionCode: "540102",
  createdAt: "2025-01-02T03:04:05.000Z",
};

/** A contract as the versions before migration 0010 stored it: no number key. */
type OldContract = Omit<TechContractRecord, "contractNumberKey">;

function contract(id: string, overrides: Partial<OldContract> = {}): OldContract {
  return {
    id,
    status: "submitted",
    title: `Yak milk cold chain ${id} \\ 牦牛 🐂`,
    contractNumber: `M-${id}`,
    type: "transfer",
    subType: "patent_right",
    equityContribution: true,
    seller: {
      organizationId: member.id,
      name: member.name,
      creditCode: member.creditCode ?? "",
      kind: "university",
      regionCode: "540102",
    },
    buyer: {
      organizationId: null,
      name: "Outside buyer",
      creditCode: "91110108000010082D",
      kind: "enterprise",
      regionCode: "110108",
    },
    signedOn: "2025-03-01",
    validFrom: "2025-03-01",
    validTo: "2026-02-28",
    totalFen: 880_000_00,
    technologyFen: 800_000_00,
    techField: "agriculture",
    ipType: "patent",
    achievementIds: [],
    flow: "out_of_province",
    large: false,
    submittedAt: "2025-03-02T01:00:00.000Z",
    submittedByOrganizationId: member.id,
    submittedByKeyId: "key_member",
    submittedByHolder: "Transfer office",
    reviewStartedOn: "2025-03-02",
    approvals: [],
    decisionReason: null,
    registrationYear: null,
    registrationSerial: null,
    registrationNumber: null,
    registeredOn: null,
    endedOn: null,
    endReason: null,
    revision: 1,
    updatedAt: "2025-03-02T01:00:00.000Z",
    ...overrides,
  };
}

describe("migration 0006: rows that are their last event's state", () => {
  it("copies each row's own columns into its state: untouched rows equal their events, edited ones still differ", async () => {
    const database = openSqlite(":memory:");
    await migrate(database, migrations.slice(0, 5));
    let head: AuditHead = GENESIS;
    const actor = { keyId: "key_operator", holder: "Operator", organizationId: null };
    // Events as schema 5 stored them: hashed with version 1, which had no column yet.
    const write = async (drafts: EventDraft[], rows: CompiledQuery[]) => {
      const events = chainEvents(head, drafts, actor, "2025-03-03T00:00:00.000Z", 1);
      await database.batch([...events.map(oldEventRow), ...rows]);
      head = events.at(-1) ?? head;
      return events;
    };
    const event = (subjectType: string, subjectId: string, state: unknown): EventDraft => ({
      action: `${subjectType}.changed`,
      subjectType,
      subjectId,
      state,
    });

    await write([event("organization", member.id, member)], [insertOrganization(database.db, member)]);
    // Registered: approvals were stored as {keyId, holder, at}; the state sorts them.
    const recorded = contract("tc_a");
    const registered = contract("tc_a", {
      status: "registered",
      approvals: [{ keyId: "key_operator", holder: "Operator", at: "2025-03-03T00:00:00.000Z" }],
      registrationYear: 2025,
      registrationSerial: 1,
      registrationNumber: "2025540100000001",
      registeredOn: "2025-03-03",
      revision: 2,
      achievementIds: ["ach_1", "ach_2"],
    });
    const entry = volumeEntryFor(registered, "registration", "ve_a", "2025-03-03", "2025-03-03T00:00:00.000Z");
    await write(
      [event("tech_contract", "tc_a", recorded), event("tech_contract", "tc_a", registered)],
      [oldContractRow(registered)],
    );
    const [entryEvent] = await write([event("volume_entry", "ve_a", entry)], [oldVolumeRow(entry)]);
    // Edited with a SQL client while still on schema 5.
    const [edited] = await write(
      [event("tech_contract", "tc_b", contract("tc_b"))],
      [oldContractRow(contract("tc_b"))],
    );
    await sql`UPDATE tech_contracts SET total_fen = total_fen + 1 WHERE id = 'tc_b'`.execute(database.db);
    // Written outside the ledger: a row with no event at all.
    await database.batch([oldContractRow(contract("tc_c"))]);

    expect((await migrate(database)).applied).toEqual(migrations.filter((m) => m.version >= 6).map((m) => m.version));
    // The rollups of the rows written by hand (as of today's schema: the rebuild keeps the gross too).
    await database.batch(rebuildRollupQueries(ROLLUP_FAMILIES.volume_entry));

    const rows = await database.db
      .selectFrom("tech_contracts")
      .select(["id", "state", "event_seq", "total_fen", "status", "approvals", "equity_contribution"])
      .orderBy("id")
      .execute();
    const lastState = async (seq: number) =>
      (await database.db.selectFrom("audit_events").select("state").where("seq", "=", seq).executeTakeFirst())?.state;
    expect(rows.map((r) => [r.id, r.event_seq])).toEqual([
      ["tc_a", 3],
      ["tc_b", 5],
      ["tc_c", 0],
    ]);
    expect(rows[0]?.state).toBe(await lastState(3));
    expect(rows[0]).toMatchObject({
      status: "registered",
      equity_contribution: 1,
      approvals: '[{"at":"2025-03-03T00:00:00.000Z","holder":"Operator","keyId":"key_operator"}]',
    });
    expect(rows[1]?.state).not.toBe(await lastState(5));
    expect(rows[1]?.total_fen).toBe(880_000_01);
    const volume = await database.db.selectFrom("volume_entries").selectAll().executeTakeFirstOrThrow();
    expect(volume).toMatchObject({
      state: await lastState(entryEvent?.seq ?? 0),
      event_seq: 4,
      entry_on: "2025-03-03",
    });

    // The chain goes on at hash version 2 after version 1 events.
    const laterOrganization = { ...member, id: "org_later", creditCode: null };
    const [later] = chainEvents(head, [event("organization", "org_later", laterOrganization)], actor, "2025-03-04");
    if (!later) throw new Error("no event");
    await database.batch([insertAuditEvent(database.db, later), insertOrganization(database.db, laterOrganization)]);
    expect(later.hashVersion).toBe(2);
    const versions = await sql<{ v: number }>`SELECT DISTINCT hash_version AS v FROM audit_events ORDER BY v`.execute(
      database.db,
    );
    expect(versions.rows).toEqual([{ v: 1 }, { v: 2 }]);

    const store = createLedgerStore(database);
    const report = await verifyLedger({ store });
    expect(report.problems).toEqual([
      {
        seq: edited?.seq,
        subject: "tech_contract tc_b",
        detail: "the row differs from the state its last event recorded",
      },
      { seq: null, subject: "tech_contract tc_c", detail: "the row has no event: it was written outside the ledger" },
    ]);
    expect(report).toEqual(await exactVerification(store, database));
    await database.close();
  });
});
