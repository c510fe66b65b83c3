import type { Migration } from "./index.ts";

/**
 * Quarter and year cells of the same cuboids (bar the full one), so a breakdown over whole years
 * reads a few hundred cells however many contracts there are, and groups nothing in a temp table.
 */
export const periodRollups: Migration = {
  version: 4,
  name: "period-rollups",
  statements: [
    `CREATE TABLE volume_periods (
      cuboid INTEGER NOT NULL,
      grain TEXT NOT NULL CHECK (grain IN ('quarter', 'year')),
      period TEXT NOT NULL,
      type TEXT NOT NULL,
      tech_field TEXT NOT NULL,
      seller_kind TEXT NOT NULL,
      buyer_kind TEXT NOT NULL,
      ip_type TEXT NOT NULL,
      seller_region TEXT NOT NULL,
      flow TEXT NOT NULL,
      count INTEGER NOT NULL,
      total_fen INTEGER NOT NULL,
      technology_fen INTEGER NOT NULL,
      PRIMARY KEY (cuboid, grain, period, type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow)
    ) STRICT, WITHOUT ROWID`,
    `INSERT INTO volume_periods
     SELECT cuboid, 'quarter', substr(month, 1, 4) || '-Q' || ((CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3),
            type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow,
            sum(count), sum(total_fen), sum(technology_fen)
     FROM volume_monthly WHERE cuboid <> 127
     GROUP BY 1, 3, 4, 5, 6, 7, 8, 9, 10`,
    `INSERT INTO volume_periods
     SELECT cuboid, 'year', substr(month, 1, 4),
            type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow,
            sum(count), sum(total_fen), sum(technology_fen)
     FROM volume_monthly WHERE cuboid <> 127
     GROUP BY 1, 3, 4, 5, 6, 7, 8, 9, 10`,
  ],
};
