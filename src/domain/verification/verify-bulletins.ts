import type { BulletinPayload } from "../../../contracts/bulletins.ts";
import { type BulletinTree, buildTree, type LeafHasher, rootHex } from "../bulletins/bulletin-tree.ts";
import { GENESIS } from "../ledger/audit-chain.ts";
import { nextTurn } from "../next-turn.ts";
import type { AuditHead, LedgerStore } from "../ports.ts";

/** A bulletin as verification reads it: its payload, and where it came from (for the report). */
export interface AnchorBulletin {
  payload: Pick<BulletinPayload, "sequence" | "period" | "to" | "ledgerHead" | "merkle">;
  source: string;
}

export interface AnchorProblem {
  seq: number | null;
  subject: "bulletin";
  detail: string;
}

/**
 * The ledger's published past, checked against bulletins (those it holds and those someone kept
 * outside it): each bulletin's head is still in the chain with the same hash, and the volume
 * entries of its tree still hash to its root. Deleting the newest events, or re-hashing the chain
 * from before a bulletin, contradicts that bulletin and is reported with it.
 *
 * The trees are prefixes of one log, so one tree (the largest bulletin's) answers every smaller
 * bulletin's root; only a bulletin it does not answer gets a tree of its own before it is reported.
 */
export async function checkBulletins(
  store: Pick<LedgerStore, "listAuditEvents" | "bulletinLeaves">,
  head: AuditHead,
  bulletins: AnchorBulletin[],
  leafHashes?: LeafHasher,
): Promise<AnchorProblem[]> {
  const problems: AnchorProblem[] = [];
  const name = (b: AnchorBulletin) => `bulletin ${b.payload.sequence} (${b.payload.period}, ${b.source})`;
  const live: AnchorBulletin[] = [];
  for (const bulletin of bulletins) {
    const { seq, hash } = bulletin.payload.ledgerHead;
    if (seq > head.seq) {
      problems.push({
        seq: head.seq + 1,
        subject: "bulletin",
        detail: `${name(bulletin)} was cut at event ${seq}, but the chain ends at event ${head.seq}: events were deleted`,
      });
      continue;
    }
    const stored = seq === 0 ? GENESIS.hash : (await store.listAuditEvents(seq - 1, 1))[0];
    const storedHash = typeof stored === "string" ? stored : stored?.seq === seq ? stored.hash : undefined;
    if (storedHash !== hash) {
      problems.push({
        seq,
        subject: "bulletin",
        detail: `event ${seq} no longer has the hash ${name(bulletin)} signed: the chain was rewritten from before it`,
      });
      continue;
    }
    live.push(bulletin);
  }
  if (live.length === 0) return problems;
  const widest = live.reduce((a, b) =>
    b.payload.merkle.treeSize > a.payload.merkle.treeSize ||
    (b.payload.merkle.treeSize === a.payload.merkle.treeSize && b.payload.to > a.payload.to)
      ? b
      : a,
  );
  const shared = await buildTree(store, widest.payload.ledgerHead.seq, widest.payload.to, leafHashes);
  for (const bulletin of live) {
    await nextTurn();
    const { treeSize, rootHash } = bulletin.payload.merkle;
    if (treeSize <= shared.log.length && rootHex(shared, treeSize) === rootHash) {
      const own: BulletinTree | null = bulletin === widest ? shared : null;
      if (!own || own.log.length === treeSize) continue;
    }
    const own = await buildTree(store, bulletin.payload.ledgerHead.seq, bulletin.payload.to, leafHashes);
    if (own.log.length === treeSize && rootHex(own) === rootHash) continue;
    problems.push({
      seq: null,
      subject: "bulletin",
      detail: `the volume entries of ${name(bulletin)} no longer hash to its root (${own.log.length} leaves now, ${treeSize} then): entries it counted were changed or removed`,
    });
  }
  return problems;
}
