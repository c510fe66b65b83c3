import { requireOperator } from "../access.ts";
import { NotFoundError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import type { Caller, Deps } from "../ports.ts";
import { type GoalAmount, type GoalRecord, PLAN_GOAL_ID } from "./goal.ts";

/** The plan goal (configuration) first, then operators' goals in the order they were added. */
export async function listGoals(deps: Pick<Deps, "store" | "market">): Promise<GoalRecord[]> {
  return [deps.market.planGoal, ...(await deps.store.listGoals())];
}

export async function findGoal(deps: Pick<Deps, "store" | "market">, id: string | undefined): Promise<GoalRecord> {
  if (id === undefined || id === PLAN_GOAL_ID) return deps.market.planGoal;
  const goal = (await deps.store.listGoals()).find((g) => g.id === id);
  if (!goal) throw new NotFoundError("goal", id);
  return goal;
}

export interface CreateGoalCommand {
  caller: Caller;
  name: string;
  targetFen: number;
  startsOn: string;
  endsOn: string;
  amount: GoalAmount;
  idempotency?: IdempotencyRequest<GoalRecord>;
}

/** Operators add goals: the next plan period, or a goal on technology amount. */
export async function createGoal(deps: Deps, command: CreateGoalCommand) {
  const actor = requireOperator(command.caller);
  return commitDecision(
    deps,
    eventActor(actor),
    async (deps, now) => {
      const record: GoalRecord = {
        id: deps.ids.next("goal"),
        name: command.name,
        targetFen: command.targetFen,
        startsOn: command.startsOn,
        endsOn: command.endsOn,
        amount: command.amount,
        createdAt: now.toISOString(),
      };
      return {
        result: record,
        events: [{ action: "goal.created", subjectType: "goal", subjectId: record.id, state: record }],
        changes: [{ kind: "goal.insert", record }],
      };
    },
    command.idempotency,
  );
}
