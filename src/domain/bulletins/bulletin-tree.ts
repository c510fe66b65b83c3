import { createHash } from "node:crypto";
import { MerkleLog, textLeafHash, toHex } from "../../crypto/merkle.ts";
import { turnYielder } from "../next-turn.ts";
import type { LedgerStore } from "../ports.ts";

const PAGE = 20_000;

/** A bulletin's tree: the log of its leaf hashes and the events that wrote its leaves, in order. */
export interface BulletinTree {
  log: MerkleLog;
  /** The seq of each leaf's event, ascending: a leaf's index is found by binary search. */
  seqs: Float64Array;
}

/**
 * Reads and hashes a tree's leaves elsewhere (the Node runtime: worker threads on the ledger file),
 * returning their hashes (32 bytes each) and seqs in ledger order, in consecutive parts.
 */
export type LeafHasher = (uptoSeq: number, to: string) => Promise<{ hashes: Uint8Array; seqs: Float64Array }[]>;

/**
 * The tree of every volume entry written at or before `uptoSeq` and dated on or before `to`, in
 * ledger order, read a page at a time (a million entries hold some 70 MB here, never their text),
 * or from `leafHashes` where the runtime has it.
 */
export async function buildTree(
  store: Pick<LedgerStore, "bulletinLeaves">,
  uptoSeq: number,
  to: string,
  leafHashes?: LeafHasher,
): Promise<BulletinTree> {
  if (leafHashes) return treeOfHashes(await leafHashes(uptoSeq, to));
  const log = new MerkleLog();
  let seqs = new Float64Array(1024);
  let after = 0;
  const yieldTurn = turnYielder();
  for (;;) {
    const page = await store.bulletinLeaves(uptoSeq, to, after, PAGE);
    for (const { seq, leaf } of page) {
      const index = log.append(textLeafHash(leaf));
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

async function treeOfHashes(parts: { hashes: Uint8Array; seqs: Float64Array }[]): Promise<BulletinTree> {
  const log = new MerkleLog();
  const seqs = new Float64Array(parts.reduce((n, part) => n + part.seqs.length, 0));
  const yieldTurn = turnYielder();
  for (const part of parts) {
    for (let i = 0; i < part.seqs.length; i++) {
      if ((i & 4095) === 4095) await yieldTurn();
      seqs[log.append(part.hashes.subarray(i * 32, i * 32 + 32))] = part.seqs[i] as number;
    }
  }
  return { log, seqs };
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
