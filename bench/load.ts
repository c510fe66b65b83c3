/**
 * Loads registered contracts straight into the database (not over HTTP): the same records, audit
 * events and volume entries the domain writes, through the store's own statement builders, in
 * large atomic batches. The rollups are then rebuilt from the entries in one pass (the store's
 * rebuildRollupQueries) instead of upserted per entry, so a million contracts load in minutes;
 * verification checks they equal what the per-entry path would have written.
 */
import type { CompiledQuery } from "kysely";
import { openSqlite } from "../db/dialects/sqlite.ts";
import { migrate } from "../db/migrate.ts";
import { insertAuditEvent } from "../db/stores/audit-events.ts";
import { createLedgerStore } from "../db/stores/ledger-store.ts";
import { insertOrganization } from "../db/stores/organizations.ts";
import { rebuildRollupQueries } from "../db/stores/rollups.ts";
import { stateRowWrites } from "../db/stores/state-tables.ts";
import { chinaDate } from "../src/domain/dates.ts";
import { chainEvents, type EventDraft } from "../src/domain/ledger/audit-chain.ts";
import { ROLLUP_FAMILIES } from "../src/domain/ledger/rollup-families.ts";
import { isStateSubject } from "../src/domain/ledger/subjects.ts";
import type { EventActor, OrganizationRecord } from "../src/domain/ports.ts";
import {
  flowOf,
  isLarge,
  type PartyRecord,
  partyKindOf,
  registrationNumber,
  type TechContractRecord,
  volumeEntryFor,
} from "../src/domain/tech-contracts/tech-contract.ts";
import { createIds } from "../src/runtime/ids.ts";
import { syntheticContracts, syntheticMembers } from "../src/runtime/synthetic-history.ts";

const LOADER: EventActor = { keyId: null, holder: "benchmark loader", organizationId: null };
const BATCH = 2000;

export async function loadRegisteredContracts(path: string, count: number, onProgress?: (done: number) => void) {
  const database = openSqlite(path, { synchronous: "NORMAL" });
  await migrate(database);
  const store = createLedgerStore(database);
  const ids = createIds();
  const at0 = "2021-01-01T00:00:00.000Z";
  const members: OrganizationRecord[] = syntheticMembers().map((m) => ({
    id: ids.next("org"),
    name: m.name,
    kind: m.kind,
    role: "member",
    creditCode: m.creditCode,
    regionCode: m.regionCode,
    createdAt: at0,
  }));
  let head = await store.auditHead();
  // One atomic batch: the events chained from the head, then the rows they describe. Contract and
  // volume rows are their subject's last event (state text and seq), as the store writes them.
  const write = async (drafts: EventDraft[], rows: CompiledQuery[], at: string) => {
    const events = chainEvents(head, drafts, LOADER, at);
    const last = new Map(events.map((e) => [`${e.subjectType} ${e.subjectId}`, e]));
    const stateRows = [...last.values()].flatMap((e) => {
      const row = { id: e.subjectId, state: e.state, eventSeq: e.seq };
      return isStateSubject(e.subjectType) ? stateRowWrites(database.db, e.subjectType, row) : [];
    });
    await database.batch([...events.map((e) => insertAuditEvent(database.db, e)), ...rows, ...stateRows]);
    const newest = events.at(-1);
    if (newest) head = { seq: newest.seq, hash: newest.hash };
  };
  await write(
    members.map((m) => ({
      action: "organization.created",
      subjectType: "organization",
      subjectId: m.id,
      state: m,
      organizationId: m.id,
    })),
    members.map((m) => insertOrganization(database.db, m)),
    at0,
  );

  const party = (m: OrganizationRecord): PartyRecord => ({
    organizationId: m.id,
    name: m.name,
    creditCode: m.creditCode ?? "",
    kind: partyKindOf(m.kind),
    regionCode: m.regionCode,
  });
  const synthetic = syntheticContracts(
    count,
    new Date("2021-01-04T00:00:00Z"),
    new Date("2025-12-20T00:00:00Z"),
    syntheticMembers(),
    1,
  );
  const serials = new Map<number, number>();
  let drafts: EventDraft[] = [];
  // Contracts and entries go in without the per-entry rollup upserts; rollups are rebuilt at the end.
  let lastAt = at0;
  for (let i = 0; i < synthetic.length; i++) {
    const s = synthetic[i];
    if (!s) continue;
    const seller = party(members[s.sellerIndex] as OrganizationRecord);
    const buyer: PartyRecord =
      "memberIndex" in s.buyer
        ? party(members[s.buyer.memberIndex] as OrganizationRecord)
        : { organizationId: null, ...s.buyer };
    const at = s.registeredAt.toISOString();
    const day = chinaDate(s.registeredAt);
    const year = Number(day.slice(0, 4));
    const serial = (serials.get(year) ?? 0) + 1;
    serials.set(year, serial);
    const recorded: TechContractRecord = {
      id: ids.next("tc"),
      status: "submitted",
      title: `Benchmark contract ${i + 1}`,
      contractNumber: `BENCH-${i + 1}`,
      contractNumberKey: `bench-${i + 1}`,
      type: s.type as TechContractRecord["type"],
      subType: s.subType,
      equityContribution: false,
      seller,
      buyer,
      signedOn: day,
      validFrom: day,
      validTo: day,
      totalFen: s.totalFen,
      technologyFen: s.technologyFen,
      techField: s.techField as TechContractRecord["techField"],
      ipType: s.ipType as TechContractRecord["ipType"],
      achievementIds: [],
      flow: flowOf(seller, buyer),
      large: isLarge(s.totalFen, s.technologyFen),
      submittedAt: at,
      submittedByOrganizationId: seller.organizationId ?? "",
      submittedByKeyId: "key_bench",
      submittedByHolder: "benchmark loader",
      reviewStartedOn: day,
      approvals: [],
      decisionReason: null,
      registrationYear: null,
      registrationSerial: null,
      registrationNumber: null,
      registeredOn: null,
      endedOn: null,
      endReason: null,
      revision: 1,
      updatedAt: at,
    };
    const registered: TechContractRecord = {
      ...recorded,
      status: "registered",
      approvals: [{ keyId: "key_bench", holder: "benchmark loader", at }],
      registrationYear: year,
      registrationSerial: serial,
      registrationNumber: registrationNumber(year, "540100", serial),
      registeredOn: day,
      revision: 2,
    };
    const entry = volumeEntryFor(registered, "registration", ids.next("ve"), day, at);
    drafts.push(
      { action: "tech_contract.recorded", subjectType: "tech_contract", subjectId: recorded.id, state: recorded },
      { action: "tech_contract.registered", subjectType: "tech_contract", subjectId: recorded.id, state: registered },
      { action: "volume_entry.recorded", subjectType: "volume_entry", subjectId: entry.id, state: entry },
    );
    lastAt = at;
    if (drafts.length >= BATCH * 3 || i === synthetic.length - 1) {
      await write(drafts, [], lastAt);
      drafts = [];
      onProgress?.(i + 1);
    }
  }
  await database.batch(rebuildRollupQueries(ROLLUP_FAMILIES.volume_entry));
  await database.close();
}
