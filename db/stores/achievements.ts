import { type Kysely, sql } from "kysely";
import type { AchievementKind, AchievementRecord } from "../../src/domain/achievements/achievement.ts";
import type { CatalogueFilter } from "../../src/domain/ports.ts";
import type { Database } from "../schema.ts";
import { compiledOnce, rowsOf } from "./compiled-once.ts";

const toAchievement = (row: { state: string }) => JSON.parse(row.state) as AchievementRecord;

const byId = compiledOnce((db, id: string) => db.selectFrom("achievements").select("state").where("id", "=", id));

export async function findAchievement(db: Kysely<Database>, id: string) {
  const [row] = await rowsOf(db, byId(db, id));
  return row ? toAchievement(row) : undefined;
}

/** From the covering UNIQUE (registration_year, kind, registration_serial) index. */
const maxSerial = compiledOnce((db, year: number, kind: string) =>
  db
    .selectFrom("achievements")
    .select((eb) => eb.fn.max("registration_serial").as("serial"))
    .where("registration_year", "=", year)
    .where("kind", "=", kind),
);

export async function maxAchievementSerial(db: Kysely<Database>, year: number, kind: AchievementKind) {
  const [row] = await rowsOf(db, maxSerial(db, year, kind));
  return Number(row?.serial ?? 0);
}

/** Title matches weigh most, then keywords, organisations, and the abstract (bm25 column weights). */
const RANK = sql.raw("bm25(achievement_search, 10.0, 6.0, 1.0, 3.0)");

/**
 * The catalogue. With phrases, the FTS5 index finds the matches (each phrase a quoted string of
 * tokens made of letters and digits only, so no input is ever FTS syntax) and bm25 ranks them;
 * without, registered achievements newest first by id.
 */
export async function searchCatalogue(db: Kysely<Database>, filter: CatalogueFilter): Promise<AchievementRecord[]> {
  const conditions = [sql`a.status = 'registered'`];
  if (filter.techField) conditions.push(sql`a.tech_field = ${filter.techField}`);
  if (filter.stage) conditions.push(sql`a.stage = ${filter.stage}`);
  if (filter.kind) conditions.push(sql`a.kind = ${filter.kind}`);
  if (filter.transferMode) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM json_each(a.state, '$.transferModes') WHERE value = ${filter.transferMode})`,
    );
  }
  if (filter.phrases && filter.phrases.length > 0) {
    const match = filter.phrases.map((tokens) => `"${tokens.join(" ")}"`).join(" AND ");
    const { rows } = await sql<{ state: string }>`
      SELECT a.state FROM achievement_search AS s JOIN achievements AS a ON a.search_docid = s.rowid
      WHERE achievement_search MATCH ${match} AND ${sql.join(conditions, sql` AND `)}
      ORDER BY ${RANK}, a.id LIMIT ${filter.limit} OFFSET ${filter.offset ?? 0}`.execute(db);
    return rows.map(toAchievement);
  }
  if (filter.beforeId) conditions.push(sql`a.id < ${filter.beforeId}`);
  const { rows } = await sql<{ state: string }>`
    SELECT a.state FROM achievements AS a WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY a.id DESC LIMIT ${filter.limit}`.execute(db);
  return rows.map(toAchievement);
}
