import type { GOAL_AMOUNTS } from "../../../contracts/statistics.ts";

export type GoalAmount = (typeof GOAL_AMOUNTS)[number];

export interface GoalRecord {
  id: string;
  name: string;
  targetFen: number;
  startsOn: string;
  endsOn: string;
  amount: GoalAmount;
  /** Null for the market's plan goal, which comes from configuration, not from the ledger. */
  createdAt: string | null;
}

/** The plan goal's id: stable, so links to progress keep working whatever the configuration. */
export const PLAN_GOAL_ID = "plan";
