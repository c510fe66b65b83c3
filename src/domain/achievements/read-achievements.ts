import { CATALOGUE_NOTICE } from "../../../contracts/achievements.ts";
import { visibleOr404 } from "../access.ts";
import { ValidationError } from "../errors.ts";
import type { AchievementReads, Caller, CatalogueFilter } from "../ports.ts";
import { decodeCursor, encodeCursor } from "../tech-contracts/read-tech-contracts.ts";
import { type AchievementRecord, maySee } from "./achievement.ts";
import { queryTerms } from "./search-terms.ts";

/** The achievement if the caller may see it; anything else is not found (never reveal which). */
export async function loadVisibleAchievement(deps: { store: AchievementReads }, caller: Caller, id: string) {
  const achievement = await deps.store.findAchievement(id);
  return visibleOr404(achievement, (a) => maySee(caller, a), "achievement", id);
}

export async function getAchievement(deps: { store: AchievementReads }, caller: Caller, id: string) {
  return loadVisibleAchievement(deps, caller, id);
}

export interface CatalogueQuery {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  techField?: string | undefined;
  stage?: CatalogueFilter["stage"];
  kind?: CatalogueFilter["kind"];
  transferMode?: CatalogueFilter["transferMode"];
}

const MAX_OFFSET = 10_000;

/**
 * The public catalogue: registered achievements only. With `q`, ranked by relevance and paged
 * by position (cursor "r<offset>"); without, newest first and paged by id.
 */
export async function searchCatalogue(deps: { store: AchievementReads }, query: CatalogueQuery) {
  const filter: CatalogueFilter = {
    limit: query.limit,
    techField: query.techField,
    stage: query.stage,
    kind: query.kind,
    transferMode: query.transferMode,
  };
  let ranked = false;
  if (query.q !== undefined && query.q.trim() !== "") {
    const terms = queryTerms(query.q);
    if (!terms.ok) throw new ValidationError([{ pointer: "q", detail: terms.detail }]);
    filter.phrases = terms.phrases;
    ranked = true;
  }
  if (query.cursor) {
    const position = ranked ? /^r(\d{1,5})$/.exec(query.cursor) : null;
    if (ranked) {
      const offset = Number(position?.[1] ?? Number.NaN);
      if (!position || offset > MAX_OFFSET) {
        throw new ValidationError([{ pointer: "cursor", detail: "is not a cursor this search returned" }]);
      }
      filter.offset = offset;
    } else {
      filter.beforeId = decodeCursor(query.cursor);
    }
  }
  const items: AchievementRecord[] = await deps.store.searchCatalogue(filter);
  const last = items.at(-1);
  const full = items.length === query.limit && last;
  const nextOffset = (filter.offset ?? 0) + items.length;
  const nextCursor = !full
    ? null
    : ranked
      ? nextOffset <= MAX_OFFSET
        ? `r${nextOffset}`
        : null
      : encodeCursor(last.id);
  return { items, nextCursor, notice: CATALOGUE_NOTICE };
}
