import type { EntrySubjectType } from "./subjects.ts";

/**
 * A rollup family: the statistics of one registry, kept up to date in the same atomic write as
 * each of its entries. Entries are append-only state subjects carrying `entryOn` (a China Standard
 * Time date), one value per dimension and one integer per measure (signed: a reversal subtracts).
 * The store derives from a family its writes (a daily table, monthly cells per cuboid, quarter and
 * year cells), its breakdown reads and its check against a recomputation from the entries; tables
 * are named `<name>_entries`, `_daily`, `_monthly`, `_periods`, columns are the fields in snake_case.
 */
export interface RollupFamily {
  name: string;
  entrySubject: EntrySubjectType;
  /** In the bit order of a cuboid mask (frozen by the family's migration). */
  dimensions: readonly string[];
  measures: readonly string[];
  /**
   * Amount measures whose largest single entry (its magnitude) each monthly and period cell also
   * keeps, for disclosure control's dominance test (statistics/disclosure.ts). A reversal or a
   * change never lowers it, so it bounds the largest contributor from above: a cell may be
   * suppressed for a contract since reversed, never published for one that dominates it.
   */
  largest?: readonly string[];
}

export const ROLLUP_FAMILIES = {
  volume_entry: {
    name: "volume",
    entrySubject: "volume_entry",
    dimensions: ["type", "techField", "sellerKind", "buyerKind", "ipType", "sellerRegion", "flow"],
    measures: ["count", "totalFen", "technologyFen"],
    largest: ["totalFen", "technologyFen"],
  },
  achievement_entry: {
    name: "achievement",
    entrySubject: "achievement_entry",
    dimensions: ["kind", "techField", "stage", "organizationKind"],
    measures: ["registered", "converted"],
  },
  pledge_entry: {
    name: "pledge",
    entrySubject: "pledge_entry",
    dimensions: ["rightType", "pledgee", "sizeBand"],
    measures: ["count", "securedFen"],
    largest: ["securedFen"],
  },
} as const satisfies { [K in EntrySubjectType]: RollupFamily & { entrySubject: K } };

export type RollupFamilyName = keyof typeof ROLLUP_FAMILIES;

/** Every set of at most two dimensions, and the full set: what is kept per month. */
export function cuboidsOf(family: RollupFamily): { cuboids: number[]; full: number } {
  const full = (1 << family.dimensions.length) - 1;
  const bits = (mask: number) => family.dimensions.filter((_, i) => mask & (1 << i)).length;
  const cuboids = [...Array.from({ length: full + 1 }, (_, m) => m).filter((m) => bits(m) <= 2), full];
  return { cuboids: [...new Set(cuboids)], full };
}

/**
 * The most groups (rows) a statistics answer may have: about 2 MB of JSON. More is refused with a
 * 400 saying how to narrow the query, so no public request can hold the service or its memory.
 */
export const MAX_ANSWER_GROUPS = 10_000;

/** A breakdown read of a family: net figures per period (or the whole range) and dimension values. */
export interface RollupQuery {
  from: string;
  to: string;
  period: "month" | "quarter" | "year" | null;
  dimensions: readonly string[];
  /** Refuse (AnswerTooLargeError) rather than return more than this many cells. */
  maxGroups?: number;
}

export interface RollupCell {
  period?: string;
  keys: Record<string, string>;
  /** In the family's measure order. */
  figures: number[];
  /** The largest single entry's magnitude of each of the family's `largest` measures, in that order. */
  largest: number[];
}
