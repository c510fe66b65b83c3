import { type BulletinPayload, periodRange } from "../../../contracts/bulletins.ts";
import { toHex } from "../../crypto/merkle.ts";
import { requireOperator } from "../access.ts";
import { chinaDate } from "../dates.ts";
import { BusyError, ConflictError, DomainError, InvalidStateError, ValidationError } from "../errors.ts";
import { commitDecision, eventActor, type IdempotencyRequest } from "../ledger/write.ts";
import { formatBasisPoints, formatYuan } from "../money.ts";
import type { Caller, Deps } from "../ports.ts";
import { contractBreakdown } from "../statistics/breakdown.ts";
import { listGoals } from "../statistics/goals.ts";
import { computeProgress } from "../statistics/progress.ts";
import type { BulletinRecord } from "./bulletin.ts";
import { type BulletinTree, buildTree, rootHex, sha256Hex } from "./bulletin-tree.ts";

export interface PublishBulletinCommand {
  caller: Caller;
  period: string;
  idempotency?: IdempotencyRequest<BulletinRecord>;
}

/** The head moved while the bulletin was cut: cut it again at the new head. */
class StaleCut extends DomainError {}

const CUTS = 5;

/**
 * An operator publishes the bulletin of a period that has ended in China Standard Time, once per
 * period. It is cut at the ledger head: the period's figures (the by-type and by-field rows under
 * disclosure control, as the public sees them), every goal's progress at the period's end, and
 * the RFC 6962 tree over every volume entry written up to the head and dated on or before the
 * period's end; it links to the bulletin published before it (whatever its period) with the hash
 * of its JWS and the consistency proof between the two trees, and is signed with the bulletin key.
 * The bulletin is written with its `bulletin.published` event, if the head has not moved meanwhile.
 */
export async function publishBulletin(deps: Deps, command: PublishBulletinCommand) {
  const actor = requireOperator(command.caller);
  const range = periodRange(command.period);
  if (!range) throw new ValidationError([{ pointer: "/period", detail: "is not a year, half, quarter or month" }]);
  const today = chinaDate(deps.clock.now());
  if (range.to >= today) {
    throw new InvalidStateError(
      `the period ${command.period} ends on ${range.to} and has not ended yet in China Standard Time (today is ${today}): publish it from ${nextDay(range.to)}`,
    );
  }
  // A retry of a published request replays its answer (or is refused if its body differs) before
  // anything is cut: commitDecision answers from the idempotency record without deciding.
  const scope = eventActor(actor).keyId ?? "system";
  if (command.idempotency && (await deps.store.findIdempotency(scope, command.idempotency.key))) {
    return commitDecision(
      deps,
      eventActor(actor),
      async () => {
        throw new StaleCut("replayed");
      },
      command.idempotency,
    );
  }
  for (let cut = 1; ; cut++) {
    const head = await deps.store.auditHead();
    const existing = await deps.store.findBulletinByPeriod(command.period);
    if (existing) throw new ConflictError(`the bulletin of ${command.period} is already published`, existing.id);
    const previous = await deps.store.lastBulletin();
    const tree = await buildTree(deps.store, head.seq, range.to, deps.leafHashes);
    const consistencyProof = await proveConsistency(deps, previous, tree);
    const payload: Omit<BulletinPayload, "publishedAt"> = {
      iss: `tech-market-ledger:${deps.market.regionCode}`,
      sequence: (previous?.sequence ?? 0) + 1,
      period: command.period,
      from: range.from,
      to: range.to,
      ledgerHead: { seq: head.seq, hash: head.hash },
      figures: await periodFigures(deps, range),
      goals: await goalsAt(deps, range.to),
      merkle: { treeSize: tree.log.length, rootHash: rootHex(tree) },
      previous: previous
        ? { sequence: previous.sequence, jwsHash: sha256Hex(previous.jws), treeSize: previous.payload.merkle.treeSize }
        : null,
      consistencyProof,
    };
    try {
      return await commitDecision(
        deps,
        eventActor(actor),
        async (deps, now) => {
          const at = await deps.store.auditHead();
          if (at.seq !== head.seq || at.hash !== head.hash)
            throw new StaleCut("the ledger moved while the bulletin was cut");
          const published = await deps.store.findBulletinByPeriod(command.period);
          if (published)
            throw new ConflictError(`the bulletin of ${command.period} is already published`, published.id);
          const publishedAt = now.toISOString();
          const signed: BulletinPayload = { ...payload, publishedAt };
          const record: BulletinRecord = {
            id: deps.ids.next("blt"),
            sequence: signed.sequence,
            period: signed.period,
            publishedAt,
            payload: signed,
            jws: await deps.bulletinSigner.sign(signed),
            publishedByKeyId: actor.keyId,
          };
          return {
            result: record,
            events: [
              {
                action: "bulletin.published",
                subjectType: "bulletin",
                subjectId: record.id,
                state: record,
                organizationId: actor.organizationId,
              },
            ],
            changes: [],
          };
        },
        command.idempotency,
      );
    } catch (error) {
      if (!(error instanceof StaleCut)) throw error;
      if (cut >= CUTS) {
        throw new BusyError(`the ledger moved while the bulletin was cut, ${CUTS} times: try again`, 5);
      }
    }
  }
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * The RFC 6962 proof that the smaller of the previous bulletin's tree and this one is a prefix of
 * the larger. The leaves are one append-only log, so it always is; if it is not, the ledger's
 * volume entries were rewritten since the previous bulletin, and nothing is published.
 */
async function proveConsistency(deps: Deps, previous: BulletinRecord | undefined, tree: BulletinTree) {
  if (!previous) return [];
  const before = previous.payload.merkle;
  const [small, large, smallRoot] =
    before.treeSize <= tree.log.length
      ? [before.treeSize, tree, before.rootHash]
      : [
          tree.log.length,
          await buildTree(deps.store, previous.payload.ledgerHead.seq, previous.payload.to),
          rootHex(tree),
        ];
  if (rootHex(large, small) !== smallRoot || (large !== tree && rootHex(large) !== before.rootHash)) {
    throw new ConflictError(
      `the volume entries of bulletin ${previous.sequence} (${previous.period}) no longer form a prefix of this one's: the ledger's history was changed; run verification`,
    );
  }
  return large.log.consistencyProof(small).map(toHex);
}

/** The period's count and amounts, exact, and by type and by field as the public sees them. */
async function periodFigures(deps: Deps, range: { from: string; to: string }): Promise<BulletinPayload["figures"]> {
  const read = (groupBy: ("type" | "techField")[], audience: "public" | "operator") =>
    contractBreakdown(deps, { from: range.from, to: range.to, groupBy, amount: "total", audience });
  const totals = (await read([], "operator")).totals;
  const rowsOf = async <D extends "type" | "techField">(dimension: D) =>
    (await read([dimension], "public")).rows.map((row) => ({
      [dimension]: row.keys[dimension] ?? "",
      ...(row.suppressed
        ? { suppressed: true as const }
        : { count: row.count, totalAmount: formatYuan(row.totalFen), technologyAmount: formatYuan(row.technologyFen) }),
    })) as ({ [K in D]: string } & { count?: number; suppressed?: true })[];
  return {
    count: totals.count,
    totalAmount: formatYuan(totals.totalFen),
    technologyAmount: formatYuan(totals.technologyFen),
    byType: (await rowsOf("type")) as BulletinPayload["figures"]["byType"],
    byTechField: (await rowsOf("techField")) as BulletinPayload["figures"]["byTechField"],
  };
}

/** Every goal's cumulative progress at the day given, as GET /v1/statistics/progress reported it then. */
async function goalsAt(deps: Deps, day: string): Promise<BulletinPayload["goals"]> {
  const goals = await listGoals(deps);
  return Promise.all(
    goals.map(async (goal) => {
      const progress = await computeProgress(deps, goal, day);
      return {
        id: goal.id,
        name: goal.name,
        targetAmount: formatYuan(goal.targetFen),
        cumulativeAmount: formatYuan(progress.cumulativeFen),
        percent: formatBasisPoints(progress.basisPoints),
        reachedOn: progress.reachedOn,
      };
    }),
  );
}
