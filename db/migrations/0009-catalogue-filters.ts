import type { Migration } from "./index.ts";

/**
 * The catalogue's search index carries the catalogue's filters (UNINDEXED: stored, not tokenised),
 * so a search ranks and filters inside FTS5 and reads only the page's achievements: joining every
 * match to its row before ranking cost tens of milliseconds for a common two-character term at
 * 100,000 achievements. Rebuilt from the index of migration 0008 and the achievements' rows.
 */
export const catalogueFilters: Migration = {
  version: 9,
  name: "catalogue-filters",
  statements: [
    `CREATE VIRTUAL TABLE achievement_catalogue USING fts5(
      title, keywords, abstract, organizations,
      kind UNINDEXED, tech_field UNINDEXED, stage UNINDEXED, transfer_modes UNINDEXED,
      tokenize = 'unicode61 remove_diacritics 2')`,
    `INSERT INTO achievement_catalogue (rowid, title, keywords, abstract, organizations, kind, tech_field, stage, transfer_modes)
     SELECT s.rowid, s.title, s.keywords, s.abstract, s.organizations, a.kind, a.tech_field, a.stage,
            ' ' || (SELECT group_concat(value, ' ') FROM json_each(a.state, '$.transferModes')) || ' '
     FROM achievement_search AS s JOIN achievements AS a ON a.search_docid = s.rowid`,
    // Titles, keywords and organisations alone: their doclists hold only the achievements that
    // match there, so finding the title matches of a term that is in every abstract reads few rows.
    `CREATE VIRTUAL TABLE achievement_titles USING fts5(
      text, kind UNINDEXED, tech_field UNINDEXED, stage UNINDEXED, transfer_modes UNINDEXED,
      tokenize = 'unicode61 remove_diacritics 2')`,
    `INSERT INTO achievement_titles (rowid, text, kind, tech_field, stage, transfer_modes)
     SELECT rowid, title || ' ' || keywords || ' ' || organizations, kind, tech_field, stage, transfer_modes
     FROM achievement_catalogue`,
    "DROP TABLE achievement_search",
  ],
};
