import { toHex } from "../../crypto/merkle.ts";
import { requireActor, requireOperator } from "../access.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Caller, Deps } from "../ports.ts";
import { loadVisibleContract } from "../tech-contracts/read-tech-contracts.ts";
import type { BulletinRecord } from "./bulletin.ts";
import { type BulletinTree, buildTree, leafIndexOf, rootHex } from "./bulletin-tree.ts";

export async function loadBulletin(deps: Pick<Deps, "store">, id: string): Promise<BulletinRecord> {
  const bulletin = await deps.store.findBulletin(id);
  if (!bulletin) throw new NotFoundError("bulletin", id);
  return bulletin;
}

/** The trees asked for most recently, per store: a proof is O(log n) once its bulletin's tree is built. */
const TREES_KEPT = 2;
const trees = new WeakMap<object, Map<string, Promise<BulletinTree>>>();

/** A bulletin's tree, rebuilt from the ledger once and kept; refused if it no longer has the bulletin's root. */
async function treeOf(deps: Pick<Deps, "store" | "leafHashes">, bulletin: BulletinRecord): Promise<BulletinTree> {
  const kept = trees.get(deps.store) ?? new Map<string, Promise<BulletinTree>>();
  trees.set(deps.store, kept);
  let tree = kept.get(bulletin.id);
  if (!tree) {
    tree = buildTree(deps.store, bulletin.payload.ledgerHead.seq, bulletin.payload.to, deps.leafHashes);
    kept.set(bulletin.id, tree);
    tree.catch(() => kept.delete(bulletin.id));
    while (kept.size > TREES_KEPT) kept.delete(kept.keys().next().value as string);
  }
  const built = await tree;
  if (built.log.length !== bulletin.payload.merkle.treeSize || rootHex(built) !== bulletin.payload.merkle.rootHash) {
    kept.delete(bulletin.id);
    throw new ConflictError(
      `the ledger's volume entries no longer hash to bulletin ${bulletin.sequence}'s root: its history was changed; run verification`,
    );
  }
  return built;
}

/**
 * The inclusion proof of each of a contract's volume entries in a bulletin's tree, for the
 * contract's parties and operators (others get 404, as for the contract itself).
 */
export async function bulletinProof(
  deps: Pick<Deps, "store" | "leafHashes">,
  caller: Caller,
  id: string,
  contractId: string,
) {
  const actor = requireActor(caller);
  const bulletin = await loadBulletin(deps, id);
  await loadVisibleContract(deps, actor, contractId);
  const tree = await treeOf(deps, bulletin);
  const { seq: headSeq } = bulletin.payload.ledgerHead;
  const items = (await deps.store.contractLeaves(contractId))
    .filter((entry) => entry.seq <= headSeq && entry.entryOn <= bulletin.payload.to)
    .map((entry) => {
      const leafIndex = leafIndexOf(tree, entry.seq, entry.entryOn);
      return { leafIndex, leaf: entry.leaf, auditPath: tree.log.inclusionProof(leafIndex).map(toHex) };
    })
    .filter((item) => item.leafIndex >= 0);
  return { items, treeSize: tree.log.length, rootHash: bulletin.payload.merkle.rootHash };
}

/** Every leaf of a bulletin's tree in order, for an auditor (operators): one canonical JSON a line. */
export async function bulletinEntries(deps: Pick<Deps, "store">, caller: Caller, id: string) {
  requireOperator(caller);
  const bulletin = await loadBulletin(deps, id);
  const { seq } = bulletin.payload.ledgerHead;
  async function* lines() {
    let after: { entryOn: string; seq: number } | null = null;
    for (;;) {
      const page = await deps.store.bulletinLeaves(seq, bulletin.payload.to, after, 5_000);
      for (const leaf of page) yield `${leaf.leaf}\n`;
      const last = page.at(-1);
      if (!last || page.length < 5_000) return;
      after = { entryOn: last.entryOn, seq: last.seq };
    }
  }
  return { bulletin, lines: lines() };
}
