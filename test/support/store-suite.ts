import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { type AchievementRecord, achievementEntryFor } from "../../src/domain/achievements/achievement.ts";
import { queryTerms } from "../../src/domain/achievements/search-terms.ts";
import { AnswerTooLargeError, ConflictError, HeadMovedError } from "../../src/domain/errors.ts";
import { chainEvents, type EventDraft } from "../../src/domain/ledger/audit-chain.ts";
import type { LedgerStore, OrganizationRecord } from "../../src/domain/ports.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";

const ACTOR = { keyId: null, holder: "store suite", organizationId: null };
const AT = "2025-06-02T02:00:00.000Z";

const ORGANIZATION: OrganizationRecord = {
  id: "org_suite",
  name: "西藏大学",
  kind: "university",
  role: "member",
  creditCode: "12540102000000901X",
  regionCode: "540102",
  createdAt: AT,
};

export function achievementRecord(
  id: string,
  serial: number,
  overrides: Partial<AchievementRecord> = {},
): AchievementRecord {
  return {
    id,
    status: "registered",
    title: "青稞β-葡聚糖提取技术",
    kind: "applied_technology",
    completingOrganizations: [
      {
        organizationId: ORGANIZATION.id,
        name: ORGANIZATION.name,
        creditCode: "x",
        kind: "university",
        regionCode: "540102",
      },
    ],
    completers: [{ name: "扎西", organizationIndex: 0 }],
    researchStartedIn: "2021-01",
    researchEndedIn: "2024-01",
    techField: "agriculture",
    stage: "mature",
    evaluation: "not_evaluated",
    keywords: ["青稞"],
    abstract: "Yak milk and highland barley.",
    ipRights: [],
    transferModes: ["license"],
    askingPriceFen: null,
    submittedAt: AT,
    submittedByOrganizationId: ORGANIZATION.id,
    submittedByKeyId: "key_suite",
    submittedByHolder: "suite",
    decisionReason: null,
    registrationYear: 2025,
    registrationSerial: serial,
    registrationNumber: `LSA2025Y${String(serial).padStart(4, "0")}`,
    registeredOn: "2025-06-02",
    withdrawnOn: null,
    withdrawalReason: null,
    conversion: { contractIds: [], totalFen: 0, technologyFen: 0 },
    revision: 1,
    updatedAt: AT,
    ...overrides,
  };
}

async function write(
  store: LedgerStore,
  drafts: EventDraft[],
  changes: Parameters<LedgerStore["commit"]>[0]["changes"] = [],
) {
  const head = await store.auditHead();
  const events = chainEvents(head, drafts, ACTOR, AT);
  await store.commit({ events, changes });
  return events;
}

/**
 * The store's contract, run against every dialect we support (better-sqlite3 in memory and on a
 * file, D1 in workerd), as Kysely runs one suite over its dialects: `open` gives a fresh,
 * migrated database each time.
 */
export function describeStore(dialect: string, open: () => Promise<LedgerDatabase>) {
  describe(`the ledger store on ${dialect}`, () => {
    const fresh = async () => {
      const database = await open();
      const store = createLedgerStore(database);
      await write(
        store,
        [
          {
            action: "organization.created",
            subjectType: "organization",
            subjectId: ORGANIZATION.id,
            state: ORGANIZATION,
          },
        ],
        [{ kind: "organization.insert", record: ORGANIZATION }],
      );
      return { database, store };
    };

    it("writes each state subject's row from its last event in the write set, and replaces a record's", async () => {
      const { database, store } = await fresh();
      const submitted = achievementRecord("ach_1", 1, {
        status: "submitted",
        registrationSerial: null,
        registrationYear: null,
        registrationNumber: null,
        registeredOn: null,
      });
      const registered = { ...submitted, ...achievementRecord("ach_1", 1), revision: 2 };
      await write(store, [
        { action: "achievement.recorded", subjectType: "achievement", subjectId: "ach_1", state: submitted },
        { action: "achievement.registered", subjectType: "achievement", subjectId: "ach_1", state: registered },
      ]);
      expect((await store.findAchievement("ach_1"))?.status).toBe("registered");
      const withdrawn = { ...registered, status: "withdrawn" as const, revision: 3 };
      await write(store, [
        { action: "achievement.withdrawn", subjectType: "achievement", subjectId: "ach_1", state: withdrawn },
      ]);
      expect(await store.findAchievement("ach_1")).toEqual(withdrawn);
      expect((await verifyLedger({ store })).ok).toBe(true);
      await database.close();
    });

    it("refuses a second event for an entry: entries never change", async () => {
      const { database, store } = await fresh();
      const a = achievementRecord("ach_2", 2);
      const entry = achievementEntryFor(a, "registration", "ae_1", AT);
      const drafts: EventDraft[] = [
        { action: "achievement.registered", subjectType: "achievement", subjectId: a.id, state: a },
        { action: "achievement_entry.recorded", subjectType: "achievement_entry", subjectId: entry.id, state: entry },
      ];
      await write(store, drafts);
      const before = await store.auditHead();
      await expect(
        write(store, [{ ...drafts[1], state: { ...entry, registered: 0 } } as EventDraft]),
      ).rejects.toThrow();
      expect(await store.auditHead()).toEqual(before);
      await database.close();
    });

    it("refuses a write set whose head has moved, writing none of it", async () => {
      const { database, store } = await fresh();
      const head = await store.auditHead();
      const a = achievementRecord("ach_3", 3);
      const draft: EventDraft = {
        action: "achievement.registered",
        subjectType: "achievement",
        subjectId: a.id,
        state: a,
      };
      await write(store, [{ ...draft, subjectId: "ach_4", state: achievementRecord("ach_4", 4) }]);
      await expect(store.commit({ events: chainEvents(head, [draft], ACTOR, AT), changes: [] })).rejects.toBeInstanceOf(
        HeadMovedError,
      );
      expect(await store.findAchievement(a.id)).toBeUndefined();
      await database.close();
    });

    it("keeps every rollup family with its entries: figures read back exactly and check clean", async () => {
      const { database, store } = await fresh();
      const a = achievementRecord("ach_5", 5);
      const entry = achievementEntryFor(a, "registration", "ae_5", AT);
      await write(store, [
        { action: "achievement.registered", subjectType: "achievement", subjectId: a.id, state: a },
        { action: "achievement_entry.recorded", subjectType: "achievement_entry", subjectId: entry.id, state: entry },
      ]);
      const cells = await store.rollupBreakdown("achievement_entry", {
        from: "2025-01-01",
        to: "2025-12-31",
        period: "year",
        dimensions: ["kind"],
      });
      expect(cells).toEqual([{ period: "2025", keys: { kind: "applied_technology" }, figures: [1, 0], largest: [] }]);
      expect(await store.checkRollups()).toEqual([]);
      await database.close();
    });

    it("sums a group's cells from every part of the range into one, and refuses more than maxGroups", async () => {
      const { database, store } = await fresh();
      // Registered on a day of a partial month (read from entries), in whole months (the monthly
      // rollup, one statement a month for the full cuboid) and in a whole year (the period rollup).
      const days = ["2023-05-20", "2024-03-10", "2024-07-01", "2024-07-02", "2025-02-14"];
      for (const [i, day] of days.entries()) {
        const a = achievementRecord(`ach_m${i}`, 20 + i, {
          registeredOn: day,
          stage: i === 4 ? "early" : "mature",
        });
        const entry = achievementEntryFor(a, "registration", `ae_m${i}`, AT);
        await write(store, [
          { action: "achievement.registered", subjectType: "achievement", subjectId: a.id, state: a },
          { action: "achievement_entry.recorded", subjectType: "achievement_entry", subjectId: entry.id, state: entry },
        ]);
      }
      const query = { from: "2023-05-15", to: "2025-02-20", period: null } as const;
      const full = ["kind", "techField", "stage", "organizationKind"];
      const keys = (stage: string) => ({
        kind: "applied_technology",
        techField: "agriculture",
        stage,
        organizationKind: "university",
      });
      const cells = await store.rollupBreakdown("achievement_entry", { ...query, dimensions: full, maxGroups: 2 });
      expect(cells).toEqual([
        { keys: keys("mature"), figures: [4, 0], largest: [] },
        { keys: keys("early"), figures: [1, 0], largest: [] },
      ]);
      expect(
        await store.rollupBreakdown("achievement_entry", { ...query, dimensions: ["kind"], maxGroups: 1 }),
      ).toEqual([{ keys: { kind: "applied_technology" }, figures: [5, 0], largest: [] }]);
      await expect(
        store.rollupBreakdown("achievement_entry", { ...query, dimensions: full, maxGroups: 1 }),
      ).rejects.toBeInstanceOf(AnswerTooLargeError);
      await expect(
        store.rollupBreakdown("achievement_entry", { ...query, period: "year", dimensions: ["stage"], maxGroups: 2 }),
      ).rejects.toBeInstanceOf(AnswerTooLargeError);
      await database.close();
    });

    it("sums a write of many entries per cell, to exactly the rollups one write per entry makes", async () => {
      // An import batch writes hundreds of entries at once: their rollup changes are summed per
      // cell in SQL (rollups.ts batchRollupWrites) instead of three upserts per entry.
      const days = ["2023-05-20", "2023-05-20", "2023-11-02", "2024-03-10", "2024-07-01", "2024-07-02", "2025-02-14"];
      const drafts = Array.from({ length: 14 }, (_, i): EventDraft[] => {
        const a = achievementRecord(`ach_b${i}`, 40 + i, {
          registeredOn: days[i % days.length],
          stage: i % 3 === 0 ? "early" : "mature",
          techField: i % 2 === 0 ? "agriculture" : "new_energy",
        });
        const entry = achievementEntryFor(a, "registration", `ae_b${i}`, AT);
        return [
          { action: "achievement.registered", subjectType: "achievement", subjectId: a.id, state: a },
          { action: "achievement_entry.recorded", subjectType: "achievement_entry", subjectId: entry.id, state: entry },
        ];
      });
      const dump = async (database: LedgerDatabase) => {
        const tables = ["achievement_daily", "achievement_monthly", "achievement_periods", "rollup_gross"];
        const out: Record<string, unknown[]> = {};
        for (const table of tables) {
          const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(database.db);
          out[table] = rows.map((r) => JSON.stringify(r)).sort();
        }
        return out;
      };
      const together = await fresh();
      await write(together.store, drafts.flat());
      const apart = await fresh();
      for (const pair of drafts) await write(apart.store, pair);
      const summed = await dump(together.database);
      expect(summed.achievement_monthly?.length).toBeGreaterThan(20);
      expect(summed).toEqual(await dump(apart.database));
      expect(await together.store.checkRollups()).toEqual([]);
      await together.database.close();
      await apart.database.close();
    });

    it("refuses, as a conflict writing nothing, an entry that would take a family's gross past 2^53", async () => {
      const { database, store } = await fresh();
      const a = achievementRecord("ach_6", 6);
      const entry = achievementEntryFor(a, "registration", "ae_6", AT);
      const drafts: EventDraft[] = [
        { action: "achievement.registered", subjectType: "achievement", subjectId: a.id, state: a },
        { action: "achievement_entry.recorded", subjectType: "achievement_entry", subjectId: entry.id, state: entry },
      ];
      // As if the ledger's earlier entries had already summed to the largest exact integer.
      await sql`INSERT INTO rollup_gross (family, measure, gross) VALUES ('achievement', 'registered', ${Number.MAX_SAFE_INTEGER})
                ON CONFLICT (family, measure) DO UPDATE SET gross = excluded.gross`.execute(database.db);
      const before = await store.auditHead();
      await expect(write(store, drafts)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.auditHead()).toEqual(before);
      expect(await store.findAchievement(a.id)).toBeUndefined();
      await sql`UPDATE rollup_gross SET gross = 0 WHERE family = 'achievement'`.execute(database.db);
      await write(store, drafts);
      expect(await store.findAchievement(a.id)).toBeDefined();
      await database.close();
    });

    it("finds registered achievements by a two-character query, ranked, and drops a withdrawn one", async () => {
      const { database, store } = await fresh();
      const a = achievementRecord("ach_6", 6);
      const b = achievementRecord("ach_7", 7, {
        title: "牦牛乳发酵工艺",
        keywords: ["牦牛"],
        abstract: "以青稞为载体。",
      });
      await write(store, [
        { action: "achievement.registered", subjectType: "achievement", subjectId: a.id, state: a },
        { action: "achievement.registered", subjectType: "achievement", subjectId: b.id, state: b },
      ]);
      const terms = queryTerms("青稞");
      if (!terms.ok) throw new Error(terms.detail);
      expect((await store.searchCatalogue({ limit: 10, phrases: terms.phrases })).map((x) => x.id)).toEqual([
        "ach_6",
        "ach_7",
      ]);
      expect(await store.searchCatalogue({ limit: 10, phrases: terms.phrases, techField: "biomedicine" })).toEqual([]);
      await write(store, [
        {
          action: "achievement.withdrawn",
          subjectType: "achievement",
          subjectId: a.id,
          state: { ...a, status: "withdrawn", revision: 2 },
        },
      ]);
      expect((await store.searchCatalogue({ limit: 10, phrases: terms.phrases })).map((x) => x.id)).toEqual(["ach_7"]);
      expect((await store.searchCatalogue({ limit: 10 })).map((x) => x.id)).toEqual(["ach_7"]);
      await database.close();
    });
  });
}
