import { createHash } from "node:crypto";
import { leafHash, MerkleLog, toHex } from "../../crypto/merkle.ts";
import { turnYielder } from "../next-turn.ts";
import type { LedgerStore } from "../ports.ts";

const PAGE = 20_000;
const encoder = new TextEncoder();

/** A bulletin's tree: the log of its leaf hashes and the events that wrote its leaves, in order. */
export interface BulletinTree {
  log: MerkleLog;
  /** The seq of each leaf's event, ascending: a leaf's index is found by binary search. */
  seqs: Float64Array;
}

/**
 * The tree of every volume entry written at or before `uptoSeq` and dated on or before `to`, in
 * ledger order, read a page at a time (a million entries hold some 70 MB here, never their text).
 */
export async function buildTree(
  store: Pick<LedgerStore, "bulletinLeaves">,
  uptoSeq: number,
  to: string,
): Promise<BulletinTree> {
  const log = new MerkleLog();
  let seqs = new Float64Array(1024);
  let after = 0;
  const yieldTurn = turnYielder();
  for (;;) {
    const page = await store.bulletinLeaves(uptoSeq, to, after, PAGE);
    for (const { seq, leaf } of page) {
      const index = log.append(leafHash(encoder.encode(leaf)));
      if (index >= seqs.length) {
        const grown = new Float64Array(seqs.length * 2);
        grown.set(seqs);
        seqs = grown;
      }
      seqs[index] = seq;
    }
    await yieldTurn();
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = last.seq;
  }
  return { log, seqs: seqs.subarray(0, log.length) };
}

/** The index of the leaf written by event `seq`, or -1. */
export function leafIndexOf(tree: BulletinTree, seq: number): number {
  let lo = 0;
  let hi = tree.seqs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = tree.seqs[mid] as number;
    if (at === seq) return mid;
    if (at < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");
export const rootHex = (tree: BulletinTree, size = tree.log.length) => toHex(tree.log.root(size));
