import { type Kysely, sql } from "kysely";
import type { BulletinLeaf, BulletinRecord } from "../../src/domain/bulletins/bulletin.ts";
import type { Database } from "../schema.ts";

const toRecord = (row: { state: string } | undefined): BulletinRecord | undefined =>
  row ? (JSON.parse(row.state) as BulletinRecord) : undefined;

export async function findBulletin(db: Kysely<Database>, id: string) {
  return toRecord(await db.selectFrom("bulletins").select("state").where("id", "=", id).executeTakeFirst());
}

export async function findBulletinByPeriod(db: Kysely<Database>, period: string) {
  return toRecord(await db.selectFrom("bulletins").select("state").where("period", "=", period).executeTakeFirst());
}

export async function lastBulletin(db: Kysely<Database>) {
  return toRecord(
    await db.selectFrom("bulletins").select("state").orderBy("sequence", "desc").limit(1).executeTakeFirst(),
  );
}

export async function listBulletins(db: Kysely<Database>) {
  const rows = await db.selectFrom("bulletins").select("state").orderBy("sequence", "desc").execute();
  return rows.map((row) => toRecord(row) as BulletinRecord);
}

/** A page of a tree's leaves by day, then event (index volume_entries_by_day_event, migration 17). */
export async function bulletinLeaves(
  db: Kysely<Database>,
  uptoSeq: number,
  to: string,
  after: { entryOn: string; seq: number } | null,
  limit: number,
): Promise<BulletinLeaf[]> {
  const { rows } = await sql<{ event_seq: number; entry_on: string; state: string }>`
    SELECT event_seq, entry_on, state FROM volume_entries
    WHERE entry_on <= ${to} AND event_seq <= ${uptoSeq}
      ${after ? sql`AND (entry_on, event_seq) > (${after.entryOn}, ${after.seq})` : sql``}
    ORDER BY entry_on, event_seq LIMIT ${limit}`.execute(db);
  return rows.map((row) => ({ seq: row.event_seq, entryOn: row.entry_on, leaf: row.state }));
}

export async function contractLeaves(db: Kysely<Database>, contractId: string) {
  const rows = await db
    .selectFrom("volume_entries")
    .select(["event_seq", "state", "entry_on"])
    .where("contract_id", "=", contractId)
    .orderBy("event_seq")
    .execute();
  return rows.map((row) => ({ seq: row.event_seq, leaf: row.state, entryOn: row.entry_on }));
}
