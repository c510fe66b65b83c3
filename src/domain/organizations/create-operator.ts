import { ConflictError, ForbiddenError, UnauthenticatedError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision } from "../ledger/write.ts";
import type { Change, Deps, EventActor, OrganizationRecord } from "../ports.ts";
import { secretMatches } from "./api-keys.ts";
import { draftApiKey } from "./create-api-key.ts";

export const COMMAND_LINE: EventActor = { keyId: null, holder: "command line", organizationId: null };

export interface CreatedOperator {
  organizationId: string;
  keyId: string;
  holder: string;
  apiKey: string;
}

/**
 * Adds a person to the market's operator organisation, creating that organisation the first
 * time. Runs from the command line only: whoever can run it already holds the database.
 */
export async function createOperator(deps: Deps, name: string): Promise<CreatedOperator> {
  const [created] = await createOperators(deps, [name]);
  if (!created) throw new Error("one operator was asked for");
  return created;
}

/** Adds operators in one atomic write; `firstOnly`: only while the market has none (bootstrap). */
async function createOperators(
  deps: Deps,
  names: readonly string[],
  { actor = COMMAND_LINE, firstOnly = false }: { actor?: EventActor; firstOnly?: boolean } = {},
): Promise<CreatedOperator[]> {
  const outcome = await commitDecision(deps, actor, async (deps, now) => {
    const at = now.toISOString();
    const events: EventDraft[] = [];
    const changes: Change[] = [];
    let organization = await deps.store.findOperatorOrganization();
    // Decided with the write, so of two racing bootstraps the second sees the first's operator.
    if (organization && firstOnly) {
      throw new ConflictError(
        "the market has its operators: bootstrap is accepted once (name every first operator in it; large contracts need two)",
      );
    }
    if (!organization) {
      const created: OrganizationRecord = {
        id: deps.ids.next("org"),
        name: deps.market.operatorOrganizationName,
        kind: "other",
        role: "operator",
        creditCode: null,
        regionCode: deps.market.regionCode,
        createdAt: at,
      };
      organization = created;
      events.push({
        action: "organization.created",
        subjectType: "organization",
        subjectId: created.id,
        state: created,
        organizationId: created.id,
      });
      changes.push({ kind: "organization.insert", record: created });
    }
    const operators = organization;
    const result = names.map((name) => {
      const draft = draftApiKey(deps, operators.id, name, at);
      events.push(draft.event);
      changes.push(draft.change);
      return { organizationId: operators.id, keyId: draft.issued.key.id, holder: name, apiKey: draft.issued.apiKey };
    });
    return { result, events, changes };
  });
  if (outcome.kind !== "done") throw new Error("create-operator is never replayed");
  return outcome.result;
}

export const BOOTSTRAP: EventActor = { keyId: null, holder: "bootstrap secret", organizationId: null };

/**
 * Creates the first operators where there is no command line on the ledger's database (a Worker
 * on D1): with the one-time secret set as LEDGER_BOOTSTRAP_SECRET (`wrangler secret put`), accepted
 * while the market has no operator and refused ever after. All of them at once: operator keys are
 * never issued over HTTP otherwise (one operator could mint a second and meet the two-operator rule). The secret is compared by its hash in
 * constant time and never written or logged.
 */
export async function bootstrapOperators(
  deps: Deps,
  secret: string,
  names: readonly string[],
): Promise<CreatedOperator[]> {
  const expected = deps.market.bootstrapSecretHash;
  if (!expected) {
    throw new ForbiddenError(
      "bootstrap is off: set LEDGER_BOOTSTRAP_SECRET (npx wrangler secret put LEDGER_BOOTSTRAP_SECRET) to create the first operator this way, or run npm run cli -- create-operator where the ledger is a file",
    );
  }
  if (!secretMatches(secret, expected)) throw new UnauthenticatedError("the bootstrap secret does not match");
  return createOperators(deps, names, { actor: BOOTSTRAP, firstOnly: true });
}
