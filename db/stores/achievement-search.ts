import { CompiledQuery, type Kysely } from "kysely";
import type { AchievementRecord } from "../../src/domain/achievements/achievement.ts";
import { indexTokens } from "../../src/domain/achievements/search-terms.ts";
import type { Database } from "../schema.ts";

const KIND_DIGIT = { applied_technology: 1, basic_theory: 2, soft_science: 3 } as const;

/** The search index's rowid for a registered achievement: the same expression as migration 0008's `search_docid`. */
export function searchDocId(a: Pick<AchievementRecord, "registrationYear" | "registrationSerial" | "kind">) {
  if (a.registrationSerial === null || a.registrationYear === null) return null;
  return a.registrationYear * 100_000 + KIND_DIGIT[a.kind] * 10_000 + a.registrationSerial;
}

const DELETE = "DELETE FROM achievement_catalogue WHERE rowid = ?";
const DELETE_TITLES = "DELETE FROM achievement_titles WHERE rowid = ?";
const INSERT_TITLES =
  "INSERT INTO achievement_titles (rowid, text, kind, tech_field, stage, transfer_modes) VALUES (?, ?, ?, ?, ?, ?)";
const INSERT = `INSERT INTO achievement_catalogue
  (rowid, title, keywords, abstract, organizations, kind, tech_field, stage, transfer_modes)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * The catalogue holds registered achievements only: each write of an achievement's row replaces
 * its tokens (registered) or removes them (withdrawn), in the same atomic write as the row.
 */
export function achievementSearchWrites(_db: Kysely<Database>, state: string): CompiledQuery[] {
  const a = JSON.parse(state) as AchievementRecord;
  const docid = searchDocId(a);
  if (docid === null) return [];
  const remove = [CompiledQuery.raw(DELETE, [docid]), CompiledQuery.raw(DELETE_TITLES, [docid])];
  if (a.status !== "registered") return remove;
  // Space-delimited transfer modes, so a filter is one LIKE of " mode ".
  const filters = [a.kind, a.techField, a.stage, ` ${a.transferModes.join(" ")} `];
  const title = indexTokens(a.title);
  const keywords = indexTokens(a.keywords.join(" "));
  const organizations = indexTokens(a.completingOrganizations.map((o) => o.name).join(" "));
  return [
    ...remove,
    CompiledQuery.raw(INSERT_TITLES, [docid, `${title} ${keywords} ${organizations}`, ...filters]),
    CompiledQuery.raw(INSERT, [docid, title, keywords, indexTokens(a.abstract), organizations, ...filters]),
  ];
}
