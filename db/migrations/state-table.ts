/**
 * The shape of a registry's state table since migration 0006: `id`, `state` (canonical JSON, byte
 * for byte its last audit event's state), `event_seq`, and every other column VIRTUAL, generated
 * from `state`, so no column can be edited apart from it. Migrations 0008 on build theirs with this;
 * 0006 keeps its own frozen copy. Whatever a migration built with this once must not change.
 */

/** [column, declared type and constraints, JSON path in the state ("$." prefixed), or a SQL expression]. */
export type GeneratedColumn = [
  column: string,
  declaration: string,
  source: { path: string; json?: boolean } | { sql: string },
];

export function createStateTable(name: string, columns: GeneratedColumn[], constraints: string[] = []): string {
  const generated = columns.map(([column, declaration, source]) => {
    const expression = "sql" in source ? source.sql : `state ${source.json ? "->" : "->>"} '$.${source.path}'`;
    return `${column} ${declaration.replace(/^(TEXT|INTEGER)/, `$1 GENERATED ALWAYS AS (${expression}) VIRTUAL`)}`;
  });
  return `CREATE TABLE ${name} (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      event_seq INTEGER NOT NULL,
      ${generated.join(",\n      ")},
      ${["CHECK (id = state ->> '$.id')", ...constraints].join(",\n      ")}
    ) STRICT`;
}

/** A rollup family's tables: daily totals, monthly cells per cuboid, quarter and year cells. */
export function createRollupTables(family: string, dimensions: string[], measures: string[]): string[] {
  const dims = dimensions.map((c) => `${c} TEXT NOT NULL`).join(", ");
  const meas = measures.map((c) => `${c} INTEGER NOT NULL`).join(", ");
  const key = dimensions.join(", ");
  return [
    `CREATE TABLE ${family}_daily (day TEXT PRIMARY KEY, ${meas}) STRICT`,
    `CREATE TABLE ${family}_monthly (cuboid INTEGER NOT NULL, month TEXT NOT NULL, ${dims}, ${meas},
      PRIMARY KEY (cuboid, month, ${key})) STRICT, WITHOUT ROWID`,
    `CREATE TABLE ${family}_periods (cuboid INTEGER NOT NULL,
      grain TEXT NOT NULL CHECK (grain IN ('quarter', 'year')), period TEXT NOT NULL, ${dims}, ${meas},
      PRIMARY KEY (cuboid, grain, period, ${key})) STRICT, WITHOUT ROWID`,
    // Covering, in the order of the rollups' keys, as migration 0006 made them for volume entries.
    `CREATE INDEX ${family}_entries_by_day ON ${family}_entries (entry_on, ${key}, ${measures.join(", ")})`,
    `CREATE INDEX ${family}_entries_by_cell ON ${family}_entries (substr(entry_on, 1, 7), ${key}, ${measures.join(", ")}, entry_on)`,
    `CREATE INDEX ${family}_entries_by_event ON ${family}_entries (event_seq)`,
  ];
}
