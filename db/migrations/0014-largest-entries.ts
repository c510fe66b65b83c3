import type { Migration } from "./index.ts";

/** The families as this migration found them (frozen: the live descriptions may grow). */
const FAMILIES = [
  {
    name: "volume",
    dimensions: ["type", "tech_field", "seller_kind", "buyer_kind", "ip_type", "seller_region", "flow"],
    largest: ["total_fen", "technology_fen"],
  },
  { name: "pledge", dimensions: ["right_type", "pledgee", "size_band"], largest: ["secured_fen"] },
];

const bits = (mask: number) => mask.toString(2).replaceAll("0", "").length;

/**
 * Each monthly and period cell of the contract volume and pledge families keeps the magnitude of
 * its largest entry, which disclosure control's dominance test needs (a cell whose largest
 * contract is over 80% of its amount shows that contract's price). Filled here from the entries:
 * the full cuboid from them, the smaller cuboids from the full one, quarters and years from the
 * months; from now on every write keeps it (rollups.ts).
 */
export const largestEntries: Migration = {
  version: 14,
  name: "largest-entries",
  statements: FAMILIES.flatMap(({ name, dimensions, largest }) => {
    const full = 2 ** dimensions.length - 1;
    const cuboids = Array.from({ length: full }, (_, m) => m).filter((m) => bits(m) <= 2);
    const set = largest.map((c) => `largest_${c} = x.largest_${c}`).join(", ");
    const ofEntries = largest.map((c) => `max(abs(${c})) AS largest_${c}`).join(", ");
    const ofCells = largest.map((c) => `max(largest_${c}) AS largest_${c}`).join(", ");
    const kept = (mask: number) => dimensions.filter((_, i) => mask & (1 << i));
    const keys = (mask: number) =>
      kept(mask)
        .map((d) => `, ${d}`)
        .join("");
    const same = (mask: number) =>
      kept(mask)
        .map((d) => ` AND c.${d} = x.${d}`)
        .join("");
    const quarter = "substr(month, 1, 4) || '-Q' || ((CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3)";
    return [
      ...largest.flatMap((c) => [
        `ALTER TABLE ${name}_monthly ADD COLUMN largest_${c} INTEGER NOT NULL DEFAULT 0`,
        `ALTER TABLE ${name}_periods ADD COLUMN largest_${c} INTEGER NOT NULL DEFAULT 0`,
      ]),
      `UPDATE ${name}_monthly AS c SET ${set}
        FROM (SELECT substr(entry_on, 1, 7) AS month${keys(full)}, ${ofEntries}
              FROM ${name}_entries GROUP BY substr(entry_on, 1, 7)${keys(full)}) AS x
        WHERE c.cuboid = ${full} AND c.month = x.month${same(full)}`,
      ...cuboids.map(
        (mask) => `UPDATE ${name}_monthly AS c SET ${set}
          FROM (SELECT month${keys(mask)}, ${ofCells} FROM ${name}_monthly WHERE cuboid = ${full}
                GROUP BY month${keys(mask)}) AS x
          WHERE c.cuboid = ${mask} AND c.month = x.month${same(mask)}`,
      ),
      ...(
        [
          ["quarter", quarter],
          ["year", "substr(month, 1, 4)"],
        ] as const
      ).map(
        ([grain, period]) => `UPDATE ${name}_periods AS c SET ${set}
          FROM (SELECT cuboid, ${period} AS period, ${dimensions.join(", ")}, ${ofCells}
                FROM ${name}_monthly WHERE cuboid <> ${full} GROUP BY cuboid, ${period}, ${dimensions.join(", ")}) AS x
          WHERE c.grain = '${grain}' AND c.cuboid = x.cuboid AND c.period = x.period${dimensions
            .map((d) => ` AND c.${d} = x.${d}`)
            .join("")}`,
      ),
    ];
  }),
};
