import type { Migration } from "./index.ts";

/** Dimension columns of volume entries, in bit order of a cuboid mask. Frozen with this migration. */
const COLUMNS = ["type", "tech_field", "seller_kind", "buyer_kind", "ip_type", "seller_region", "flow"];
const FULL = (1 << COLUMNS.length) - 1;
const bits = (mask: number) => COLUMNS.filter((_, i) => mask & (1 << i)).length;
const CUBOIDS = [...Array.from({ length: FULL + 1 }, (_, m) => m).filter((m) => bits(m) <= 2), FULL];

const backfill = (mask: number) =>
  `INSERT INTO volume_monthly
   SELECT ${mask}, substr(entry_on, 1, 7), ${COLUMNS.map((c, i) => (mask & (1 << i) ? c : "''")).join(", ")},
          sum(count), sum(total_fen), sum(technology_fen)
   FROM volume_entries
   GROUP BY substr(entry_on, 1, 7)${COLUMNS.filter((_, i) => mask & (1 << i))
     .map((c) => `, ${c}`)
     .join("")}`;

export const statistics: Migration = {
  version: 3,
  name: "statistics",
  statements: [
    `CREATE TABLE goals (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      target_fen INTEGER NOT NULL CHECK (target_fen > 0),
      starts_on TEXT NOT NULL,
      ends_on TEXT NOT NULL,
      amount TEXT NOT NULL CHECK (amount IN ('total', 'technology')),
      created_at TEXT NOT NULL
    ) STRICT`,
    // Registered volume net of reversals per China Standard Time day: what progress reads.
    `CREATE TABLE volume_daily (
      day TEXT PRIMARY KEY,
      count INTEGER NOT NULL,
      total_fen INTEGER NOT NULL,
      technology_fen INTEGER NOT NULL
    ) STRICT`,
    // Per month, one cuboid per set of at most two dimensions plus the full set (mask 127):
    // a dimension outside the cuboid is ''. Breakdowns read the smallest cuboid that answers them.
    `CREATE TABLE volume_monthly (
      cuboid INTEGER NOT NULL,
      month TEXT NOT NULL,
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
      PRIMARY KEY (cuboid, month, type, tech_field, seller_kind, buyer_kind, ip_type, seller_region, flow)
    ) STRICT, WITHOUT ROWID`,
    `INSERT INTO volume_daily
     SELECT entry_on, sum(count), sum(total_fen), sum(technology_fen) FROM volume_entries GROUP BY entry_on`,
    ...CUBOIDS.map(backfill),
  ],
};
