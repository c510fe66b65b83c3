import { addDays, chinaDate } from "../dates.ts";
import { cachedRead } from "../ledger/read-cache.ts";
import type { Deps, VolumeFigures } from "../ports.ts";
import type { GoalRecord } from "./goal.ts";
import { findGoal } from "./goals.ts";

export interface GoalProgress {
  goal: GoalRecord;
  asOf: string;
  cumulativeFen: number;
  contractCount: number;
  /** Share of the target in hundredths of a percent, rounded down. */
  basisPoints: bigint;
  remainingFen: number;
  runRatePerMonthFen: number;
  projectedReachOn: string | null;
  reachedOn: string | null;
}

const DAYS_PER_MONTH = 365.25 / 12;
const MAX_PROJECTION_DAYS = 36_525;

/**
 * Progress from the daily rollup, exact to the fen. The goal is reached on the day of the
 * registration that crossed the target, and stays reached unless reversals take the total back
 * under, after which the next crossing counts.
 */
export async function goalProgress(
  deps: Pick<Deps, "store" | "market" | "clock" | "readCache">,
  goalId?: string,
): Promise<GoalProgress> {
  const goal = await findGoal(deps, goalId);
  const today = chinaDate(deps.clock.now());
  return cachedRead(deps, "progress", goal, today, () => computeProgress(deps, goal, today));
}

/** A goal's progress as of a day (today, or a bulletin's period end): volume up to it, and its run rate then. */
export async function computeProgress(
  deps: Pick<Deps, "store">,
  goal: GoalRecord,
  today: string,
): Promise<GoalProgress> {
  const pick = (f: VolumeFigures) => (goal.amount === "total" ? f.totalFen : f.technologyFen);
  const until = [goal.endsOn, today].sort()[0] ?? today;
  const totals = await deps.store.volumeTotals(goal.startsOn, until);
  const cumulative = pick(totals);
  const reachedOn =
    cumulative >= goal.targetFen ? await deps.store.reachedOn(goal.startsOn, until, goal.amount, goal.targetFen) : null;

  const thisMonth = today.slice(0, 7);
  const yearAgo = `${Number(thisMonth.slice(0, 4)) - 1}${thisMonth.slice(4)}-01`;
  const recent = pick(await deps.store.volumeTotals(yearAgo, addDays(`${thisMonth}-01`, -1)));
  const runRate = Math.max(0, Math.floor(recent / 12));
  const remaining = Math.max(0, goal.targetFen - cumulative);

  let projectedReachOn: string | null = null;
  // Volume after the goal's last day never counts toward it: nothing to project once it has ended.
  if (reachedOn === null && runRate > 0 && today <= goal.endsOn) {
    const days = Math.ceil((remaining / runRate) * DAYS_PER_MONTH);
    // Beyond a century the projection says nothing useful (and dates stop being representable).
    if (days <= MAX_PROJECTION_DAYS) projectedReachOn = addDays(today, days);
  }
  return {
    goal,
    asOf: today,
    cumulativeFen: cumulative,
    contractCount: totals.count,
    basisPoints: cumulative <= 0 ? 0n : (BigInt(cumulative) * 10_000n) / BigInt(goal.targetFen),
    remainingFen: remaining,
    runRatePerMonthFen: runRate,
    projectedReachOn,
    reachedOn,
  };
}
