import type { z } from "@hono/zod-openapi";
import type { Achievement, AchievementStatistics } from "../../contracts/achievements.ts";
import type { AuditEvent as AuditEventView } from "../../contracts/audit.ts";
import type { CreatedApiKey, Organization } from "../../contracts/organizations.ts";
import type { Pledge, PledgeStatistics, RightLookup } from "../../contracts/pledges.ts";
import type { Breakdown, Goal } from "../../contracts/statistics.ts";
import type { TechContract } from "../../contracts/tech-contracts.ts";
import { type AchievementRecord, maySeeConversionDetails } from "../domain/achievements/achievement.ts";
import { type AchievementStatisticsResult, conversionRate } from "../domain/achievements/achievement-statistics.ts";
import { formatBasisPoints, formatYuan } from "../domain/money.ts";
import type { IssuedApiKey } from "../domain/organizations/create-api-key.ts";
import { type PledgeRecord, sizeBandOf } from "../domain/pledges/pledge.ts";
import { type PledgeStatisticsResult, smallShare } from "../domain/pledges/pledge-statistics.ts";
import type { RightLookupResult } from "../domain/pledges/read-pledges.ts";
import type { AuditEvent, Caller, OrganizationRecord, VolumeFigures } from "../domain/ports.ts";
import type { BreakdownResult } from "../domain/statistics/breakdown.ts";
import type { GoalRecord } from "../domain/statistics/goal.ts";
import {
  isOverdue,
  type ReviewClock,
  reviewDueOn,
  type TechContractRecord,
} from "../domain/tech-contracts/tech-contract.ts";

export function presentOrganization(r: OrganizationRecord): z.infer<typeof Organization> {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    role: r.role,
    creditCode: r.creditCode,
    regionCode: r.regionCode,
    createdAt: r.createdAt,
  };
}

export function presentApiKey(issued: IssuedApiKey, showSecret: boolean): z.infer<typeof CreatedApiKey> {
  return {
    id: issued.key.id,
    organizationId: issued.key.organizationId,
    holder: issued.key.holder,
    createdAt: issued.key.createdAt,
    apiKey: showSecret ? issued.apiKey : null,
  };
}

export function presentTechContract(r: TechContractRecord, review: ReviewClock): z.infer<typeof TechContract> {
  return {
    id: r.id,
    status: r.status,
    title: r.title,
    contractNumber: r.contractNumber,
    type: r.type,
    subType: r.subType,
    equityContribution: r.equityContribution,
    seller: r.seller,
    buyer: r.buyer,
    signedOn: r.signedOn,
    validFrom: r.validFrom,
    validTo: r.validTo,
    totalAmount: formatYuan(r.totalFen),
    technologyAmount: formatYuan(r.technologyFen),
    techField: r.techField,
    ipType: r.ipType,
    achievementIds: r.achievementIds,
    flow: r.flow,
    large: r.large,
    submittedAt: r.submittedAt,
    submittedBy: {
      organizationId: r.submittedByOrganizationId,
      keyId: r.submittedByKeyId,
      holder: r.submittedByHolder,
    },
    reviewDueOn: reviewDueOn(r, review.calendar),
    overdue: isOverdue(r, review),
    approvals: r.approvals,
    decisionReason: r.decisionReason,
    registrationNumber: r.registrationNumber,
    registeredOn: r.registeredOn,
    endedOn: r.endedOn,
    endReason: r.endReason,
    revision: r.revision,
    updatedAt: r.updatedAt,
  };
}

export function presentAuditEvent(e: AuditEvent): z.infer<typeof AuditEventView> {
  return {
    seq: e.seq,
    at: e.at,
    actor: { keyId: e.actorKeyId, holder: e.actorHolder },
    organizationId: e.organizationId,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    state: JSON.parse(e.state),
    prevHash: e.prevHash,
    hash: e.hash,
    hashVersion: e.hashVersion,
  };
}

export function presentGoal(g: GoalRecord): z.infer<typeof Goal> {
  return {
    id: g.id,
    name: g.name,
    targetAmount: formatYuan(g.targetFen),
    startsOn: g.startsOn,
    endsOn: g.endsOn,
    amount: g.amount,
    source: g.createdAt === null ? "configuration" : "operator",
    createdAt: g.createdAt,
  };
}

const figures = (f: VolumeFigures) => ({
  count: f.count,
  totalAmount: formatYuan(f.totalFen),
  technologyAmount: formatYuan(f.technologyFen),
});

export function presentBreakdown(b: BreakdownResult): z.infer<typeof Breakdown> {
  return {
    from: b.from,
    to: b.to,
    groupBy: b.groupBy,
    amount: b.amount,
    rows: b.rows.map(presentBreakdownRow),
    totals: b.totalsSuppressed ? SUPPRESSED : figures(b.totals),
  };
}

const SUPPRESSED = { suppressed: true } as const;

/** One row of a breakdown as the API shows it; presentBreakdown maps every row with it. */
export function presentBreakdownRow(r: BreakdownResult["rows"][number]): z.infer<typeof Breakdown>["rows"][number] {
  if (r.suppressed) return { ...r.keys, ...SUPPRESSED };
  return {
    ...r.keys,
    ...figures(r),
    ...(r.previousYear
      ? {
          previousYear: r.previousYear.suppressed ? SUPPRESSED : figures(r.previousYear),
          changePercent: r.changeBasisPoints == null ? null : formatBasisPoints(r.changeBasisPoints),
        }
      : {}),
  };
}

/** The same table as CSV: one column per grouping, then the figures; a last line holds the totals. */
export function breakdownCsvTable(b: BreakdownResult) {
  const byPeriod = b.rows.some((r) => r.previousYear);
  const header = [
    ...b.groupBy,
    "count",
    "totalAmount",
    "technologyAmount",
    ...(byPeriod
      ? ["previousYearCount", "previousYearTotalAmount", "previousYearTechnologyAmount", "changePercent"]
      : []),
    "suppressed",
  ];
  // A withheld cell's figures are empty and its `suppressed` column says so.
  const cells = (f: { count: number; totalFen: number; technologyFen: number }, hidden: boolean | undefined) =>
    hidden ? [null, null, null] : [f.count, formatYuan(f.totalFen), formatYuan(f.technologyFen)];
  const rows: (string | number | null)[][] = b.rows.map((r) => [
    ...b.groupBy.map((d) => r.keys[d] ?? ""),
    ...cells(r, r.suppressed),
    ...(byPeriod && r.previousYear
      ? [
          ...cells(r.previousYear, r.suppressed || r.previousYear.suppressed),
          r.suppressed || r.changeBasisPoints == null ? null : formatBasisPoints(r.changeBasisPoints),
        ]
      : []),
    r.suppressed ? "true" : null,
  ]);
  if (b.groupBy.length > 0) {
    rows.push([
      "total",
      ...b.groupBy.slice(1).map(() => ""),
      ...cells(b.totals, b.totalsSuppressed),
      ...(byPeriod ? [null, null, null, null] : []),
      b.totalsSuppressed ? "true" : null,
    ]);
  }
  return { header, rows };
}

export function presentAchievement(r: AchievementRecord, caller: Caller): z.infer<typeof Achievement> {
  const insider =
    caller.role === "operator" || (caller.role === "member" && caller.organizationId === r.submittedByOrganizationId);
  return {
    id: r.id,
    status: r.status,
    title: r.title,
    kind: r.kind,
    completingOrganizations: r.completingOrganizations,
    completers: r.completers,
    researchStartedIn: r.researchStartedIn,
    researchEndedIn: r.researchEndedIn,
    techField: r.techField,
    stage: r.stage,
    evaluation: r.evaluation,
    keywords: r.keywords,
    abstract: r.abstract,
    ipRights: r.ipRights,
    transferModes: r.transferModes,
    askingPrice: r.askingPriceFen === null ? null : formatYuan(r.askingPriceFen),
    registrationNumber: r.registrationNumber,
    registeredOn: r.registeredOn,
    conversion: maySeeConversionDetails(caller, r)
      ? {
          contractCount: r.conversion.contractIds.length,
          contractIds: r.conversion.contractIds,
          totalAmount: formatYuan(r.conversion.totalFen),
          technologyAmount: formatYuan(r.conversion.technologyFen),
        }
      : { contractCount: r.conversion.contractIds.length },
    ...(insider
      ? {
          submittedAt: r.submittedAt,
          submittedBy: {
            organizationId: r.submittedByOrganizationId,
            keyId: r.submittedByKeyId,
            holder: r.submittedByHolder,
          },
          decisionReason: r.decisionReason,
          withdrawalReason: r.withdrawalReason,
        }
      : {}),
    withdrawnOn: r.withdrawnOn,
    revision: r.revision,
    updatedAt: r.updatedAt,
  };
}

export function presentAchievementStatistics(s: AchievementStatisticsResult): z.infer<typeof AchievementStatistics> {
  return {
    from: s.from,
    to: s.to,
    groupBy: s.groupBy,
    rows: s.rows.map((r) => ({
      ...r.keys,
      ...(r.suppressed
        ? SUPPRESSED
        : { registered: r.registered, converted: r.converted, conversionRate: conversionRate(r) }),
    })),
    totals: s.totals.suppressed
      ? SUPPRESSED
      : { registered: s.totals.registered, converted: s.totals.converted, conversionRate: conversionRate(s.totals) },
    note: "By the date each achievement was registered; converted counts registered achievements named by at least one registered contract, as of now.",
  };
}

export function achievementStatisticsCsvTable(s: AchievementStatisticsResult) {
  const header = [...s.groupBy, "registered", "converted", "conversionRate", "suppressed"];
  const cells = (f: AchievementStatisticsResult["totals"]) =>
    f.suppressed ? [null, null, null, "true"] : [f.registered, f.converted, conversionRate(f), null];
  const rows: (string | number | null)[][] = s.rows.map((r) => [...s.groupBy.map((d) => r.keys[d] ?? ""), ...cells(r)]);
  if (s.groupBy.length > 0) {
    rows.push(["total", ...s.groupBy.slice(1).map(() => ""), ...cells(s.totals)]);
  }
  return { header, rows };
}

export function presentPledge(r: PledgeRecord): z.infer<typeof Pledge> {
  return {
    id: r.id,
    status: r.status,
    pledgor: r.pledgor,
    pledgee: { organizationId: r.pledgeeOrganizationId, name: r.pledgeeName },
    rights: r.rights.map((right) => ({ type: right.type, number: right.number, title: right.title })),
    securedAmount: formatYuan(r.securedFen),
    sizeBand: sizeBandOf(r.securedFen),
    termStart: r.termStart,
    termEnd: r.termEnd,
    contractNumber: r.contractNumber,
    registrationNumber: r.registrationNumber,
    registeredOn: r.registeredOn,
    version: r.version,
    pendingChange: r.pendingChange && {
      securedAmount: r.pendingChange.securedFen === null ? null : formatYuan(r.pendingChange.securedFen),
      termEnd: r.pendingChange.termEnd,
      reason: r.pendingChange.reason,
      requestedAt: r.pendingChange.requestedAt,
    },
    changes: r.changes.map((c) => ({
      version: c.version,
      securedAmountBefore: formatYuan(c.securedFenBefore),
      securedAmount: formatYuan(c.securedFen),
      termEndBefore: c.termEndBefore,
      termEnd: c.termEnd,
      reason: c.reason,
      registeredOn: c.registeredOn,
    })),
    decisionReason: r.decisionReason,
    releasedOn: r.releasedOn,
    releaseReason: r.releaseReason,
    submittedAt: r.submittedAt,
    submittedBy: {
      organizationId: r.submittedByOrganizationId,
      keyId: r.submittedByKeyId,
      holder: r.submittedByHolder,
    },
    updatedAt: r.updatedAt,
  };
}

/** What the public register shows of a right: never the amount, the pledgor or its other rights. */
export function presentRightLookup(result: RightLookupResult): z.infer<typeof RightLookup> {
  const holder = result.holder;
  return {
    right: result.right,
    pledged: holder !== null,
    status: holder ? (holder.status as "submitted" | "registered") : null,
    registrationNumber: holder?.registrationNumber ?? null,
    registeredOn: holder?.registeredOn ?? null,
    pledgee: holder ? { name: holder.pledgeeName } : null,
  };
}

export function presentPledgeStatistics(s: PledgeStatisticsResult): z.infer<typeof PledgeStatistics> {
  return {
    from: s.from,
    to: s.to,
    groupBy: s.groupBy,
    rows: s.rows.map((r) => ({
      ...r.keys,
      ...(r.pledgeeName === undefined ? {} : { pledgeeName: r.pledgeeName }),
      ...(r.suppressed
        ? SUPPRESSED
        : { count: r.count, securedAmount: formatYuan(r.securedFen), pledgorCount: r.pledgorCount }),
    })) as z.infer<typeof PledgeStatistics>["rows"],
    totals: s.totals.suppressed
      ? SUPPRESSED
      : {
          count: s.totals.count,
          securedAmount: formatYuan(s.totals.securedFen),
          pledgorCount: s.totals.pledgorCount,
          smallShare: smallShare(s.totals),
        },
    note: "By the day each registration, registered change and release was registered (China Standard Time); net of changes and releases. Pledgors are counted once per row and once in the totals.",
  };
}

export function pledgeStatisticsCsvTable(s: PledgeStatisticsResult) {
  const names = s.groupBy.includes("pledgee") ? ["pledgeeName"] : [];
  const header = [...s.groupBy, ...names, "count", "securedAmount", "pledgorCount", "suppressed"];
  const cells = (f: PledgeStatisticsResult["totals"] | PledgeStatisticsResult["rows"][number]) =>
    f.suppressed ? [null, null, null, "true"] : [f.count, formatYuan(f.securedFen), f.pledgorCount, null];
  const rows: (string | number | null)[][] = s.rows.map((r) => [
    ...s.groupBy.map((d) => r.keys[d] ?? ""),
    ...names.map(() => r.pledgeeName ?? ""),
    ...cells(r),
  ]);
  if (s.groupBy.length > 0) {
    rows.push(["total", ...[...s.groupBy.slice(1), ...names].map(() => ""), ...cells(s.totals)]);
  }
  return { header, rows };
}
