import type { z } from "@hono/zod-openapi";
import { checkAchievementRules, type RecordAchievementBody } from "../../../contracts/achievements.ts";
import { chinaDate } from "../dates.ts";
import { type FieldError, ValidationError } from "../errors.ts";
import { formatYuan, parseYuan } from "../money.ts";
import type { Actor, OrganizationReads } from "../ports.ts";
import { ruleErrors } from "../rule-errors.ts";
import type { PartyRecord } from "../tech-contracts/tech-contract.ts";
import { resolveParty } from "../tech-contracts/tech-contract-input.ts";
import type { AchievementRecord } from "./achievement.ts";

export type AchievementInput = z.infer<typeof RecordAchievementBody>;

/** What a submitter gives, resolved against the registry: what submitting and correcting share. */
export type AchievementTerms = Pick<
  AchievementRecord,
  | "title"
  | "kind"
  | "completingOrganizations"
  | "completers"
  | "researchStartedIn"
  | "researchEndedIn"
  | "techField"
  | "stage"
  | "evaluation"
  | "keywords"
  | "abstract"
  | "ipRights"
  | "transferModes"
  | "askingPriceFen"
>;

/**
 * Resolves the completing organisations (members by id, or inline; an inline one whose credit code
 * is a member's becomes that member) and checks what needs the registry or the clock: the caller is
 * one of them and the research ended by this month. Field errors are collected and thrown together.
 */
export async function resolveAchievementTerms(
  store: OrganizationReads,
  actor: Actor,
  input: AchievementInput,
  now: Date,
): Promise<AchievementTerms> {
  const errors: FieldError[] = [];
  const organizations: (PartyRecord | null)[] = [];
  for (const [i, party] of input.completingOrganizations.entries()) {
    organizations.push(await resolveParty(store, party, `/completingOrganizations/${i}`, errors));
  }
  const resolved = organizations.filter((o): o is PartyRecord => o !== null);
  const codes = new Set<string>();
  organizations.forEach((o, i) => {
    if (!o) return;
    if (codes.has(o.creditCode)) errors.push({ pointer: `/completingOrganizations/${i}`, detail: "is given twice" });
    codes.add(o.creditCode);
  });
  if (errors.length === 0 && !resolved.some((o) => o.organizationId === actor.organizationId)) {
    errors.push({
      pointer: "/completingOrganizations",
      detail: "must include your organisation: an achievement is submitted by one of its completing organisations",
    });
  }
  const thisMonth = chinaDate(now).slice(0, 7);
  if (input.researchEndedIn > thisMonth) {
    errors.push({ pointer: "/researchEndedIn", detail: "must not be after this month (China Standard Time)" });
  }
  if (input.researchStartedIn > thisMonth) {
    errors.push({ pointer: "/researchStartedIn", detail: "must not be after this month (China Standard Time)" });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return {
    title: input.title,
    kind: input.kind,
    completingOrganizations: resolved,
    completers: input.completers,
    researchStartedIn: input.researchStartedIn,
    researchEndedIn: input.researchEndedIn,
    techField: input.techField,
    stage: input.stage,
    evaluation: input.evaluation,
    keywords: input.keywords,
    abstract: input.abstract,
    ipRights: input.ipRights.map((r) => ({ type: r.type, number: r.number })),
    transferModes: input.transferModes,
    askingPriceFen: input.askingPrice === undefined ? null : parseYuan(input.askingPrice),
  };
}

/** The input form of a stored achievement, so a correction can be merged onto it. */
export function achievementInputOf(record: AchievementRecord): AchievementInput {
  return {
    title: record.title,
    kind: record.kind,
    completingOrganizations: record.completingOrganizations.map((p) =>
      p.organizationId
        ? { organizationId: p.organizationId }
        : { name: p.name, creditCode: p.creditCode, kind: p.kind, regionCode: p.regionCode },
    ),
    completers: record.completers,
    researchStartedIn: record.researchStartedIn,
    researchEndedIn: record.researchEndedIn,
    techField: record.techField,
    stage: record.stage,
    evaluation: record.evaluation,
    keywords: record.keywords,
    abstract: record.abstract,
    ipRights: record.ipRights as AchievementInput["ipRights"],
    transferModes: record.transferModes,
    ...(record.askingPriceFen === null ? {} : { askingPrice: formatYuan(record.askingPriceFen) }),
  };
}

/**
 * A correction's fields were each validated as they came in; the rules across fields run again
 * on the merged whole (a new organisation list can leave a completer's index out of range).
 */
export function mergeCorrection(record: AchievementRecord, patch: Partial<AchievementInput>): AchievementInput {
  // A patch holds only the keys that were sent, each validated where it came in.
  const merged = { ...achievementInputOf(record), ...patch } as AchievementInput;
  const errors = ruleErrors(checkAchievementRules, merged);
  if (errors.length > 0) throw new ValidationError(errors);
  return merged;
}
