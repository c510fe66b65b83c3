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

const DELETE = "DELETE FROM achievement_search WHERE rowid = ?";
const INSERT =
  "INSERT INTO achievement_search (rowid, title, keywords, abstract, organizations) VALUES (?, ?, ?, ?, ?)";

/**
 * The catalogue holds registered achievements only: each write of an achievement's row replaces
 * its tokens (registered) or removes them (withdrawn), in the same atomic write as the row.
 */
export function achievementSearchWrites(_db: Kysely<Database>, state: string): CompiledQuery[] {
  const a = JSON.parse(state) as AchievementRecord;
  const docid = searchDocId(a);
  if (docid === null) return [];
  const remove = CompiledQuery.raw(DELETE, [docid]);
  if (a.status !== "registered") return [remove];
  return [
    remove,
    CompiledQuery.raw(INSERT, [
      docid,
      indexTokens(a.title),
      indexTokens(a.keywords.join(" ")),
      indexTokens(a.abstract),
      indexTokens(a.completingOrganizations.map((o) => o.name).join(" ")),
    ]),
  ];
}
