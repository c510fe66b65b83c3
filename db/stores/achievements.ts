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

/**
 * How many matches a ranked search scores, of each kind (see searchCatalogue): enough that a real
 * catalogue's query is ranked whole, bounded so that a term in nearly every achievement is not.
 */
export const RANKED = 250;

/** Title matches weigh most, then keywords, organisations, and the abstract (bm25 column weights). */
const RANK = sql.raw("bm25(achievement_catalogue, 10.0, 6.0, 1.0, 3.0)");

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
    const phrases = filter.phrases.map((tokens) => `"${tokens.join(" ")}"`).join(" AND ");
    const within = (table: "achievement_catalogue" | "achievement_titles") => {
      const conditions = [sql`${sql.raw(table)} MATCH ${phrases}`];
      if (filter.techField) conditions.push(sql`tech_field = ${filter.techField}`);
      if (filter.stage) conditions.push(sql`stage = ${filter.stage}`);
      if (filter.kind) conditions.push(sql`kind = ${filter.kind}`);
      if (filter.transferMode) conditions.push(sql`transfer_modes LIKE ${`% ${filter.transferMode} %`}`);
      return sql.join(conditions, sql` AND `);
    };
    // Scored: the newest RANKED matches in titles, keywords and organisations, and the newest RANKED
    // matches anywhere. bm25 runs only on rows a scan yields, and a scan in rowid order with a LIMIT
    // stops there, so a term in every abstract costs as much as a rare one.
    // Matches in titles, keywords or organisations come first, ranked by bm25 over those (title-
    // weighted: the titles table is one column), then matches elsewhere by bm25 over everything.
    // Each side scores only the newest RANKED rows its scan yields (a rowid-ordered scan with a
    // LIMIT stops there), so a term in every abstract costs what a rare one does.
    const { rows } = await sql<{ state: string }>`
      WITH titled AS (
        SELECT rowid AS docid, 0 AS tier, bm25(achievement_titles) AS score FROM achievement_titles
        WHERE ${within("achievement_titles")} ORDER BY rowid DESC LIMIT ${RANKED}
      ), anywhere AS (
        SELECT rowid AS docid, 1 AS tier, ${RANK} AS score FROM achievement_catalogue
        WHERE ${within("achievement_catalogue")} ORDER BY rowid DESC LIMIT ${RANKED}
      ), page AS (
        SELECT docid, min(tier) AS tier, min(score) AS score FROM (
          SELECT * FROM titled UNION ALL SELECT * FROM anywhere
        ) GROUP BY docid ORDER BY tier, score, docid LIMIT ${filter.limit} OFFSET ${filter.offset ?? 0}
      )
      SELECT a.state FROM page JOIN achievements AS a ON a.search_docid = page.docid
      ORDER BY page.tier, page.score, page.docid`.execute(db);
    return rows.map(toAchievement);
  }
  if (filter.beforeId) conditions.push(sql`a.id < ${filter.beforeId}`);
  const { rows } = await sql<{ state: string }>`
    SELECT a.state FROM achievements AS a WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY a.id DESC LIMIT ${filter.limit}`.execute(db);
  return rows.map(toAchievement);
}
