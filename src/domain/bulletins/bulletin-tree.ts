import { createHash } from "node:crypto";
import { MerkleLog, textLeafHash, toHex } from "../../crypto/merkle.ts";
import { turnYielder } from "../next-turn.ts";
import type { LedgerStore } from "../ports.ts";

const PAGE = 20_000;

/**
 * A bulletin's tree: the log of its leaf hashes and, for each leaf, its entry's day (YYYYMMDD) and
 * event seq, in tree order, so a leaf's index is found by binary search.
 */
export interface BulletinTree {
  log: MerkleLog;
  days: Int32Array;
  seqs: Float64Array;
}

/** 2025-07-31 → 20250731. */
export const dayNumber = (date: string) =>
  Number(date.slice(0, 4)) * 10_000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));

/**
 * Reads and hashes a tree's leaves elsewhere (the Node runtime: worker threads on the ledger file),
 * returning their hashes (32 bytes each), days and seqs in parts, each part in tree order.
 */
export type LeafHasher = (
  uptoSeq: number,
  to: string,
) => Promise<{ hashes: Uint8Array; days: Int32Array; seqs: Float64Array }[]>;

/**
 * The tree of every volume entry written at or before `uptoSeq` and dated on or before `to`, by
 * day and in ledger order within a day (so a historical import, which appends older days, never
 * breaks the prefix property: no entry can join a day a bulletin has closed), read a page at a
 * time (a million entries hold some 80 MB here, never their text), or from `leafHashes`.
 */
export async function buildTree(
  store: Pick<LedgerStore, "bulletinLeaves">,
  uptoSeq: number,
  to: string,
  leafHashes?: LeafHasher,
): Promise<BulletinTree> {
  if (leafHashes) return treeOfHashes(await leafHashes(uptoSeq, to));
  const log = new MerkleLog();
  let days = new Int32Array(1024);
  let seqs = new Float64Array(1024);
  let after: { entryOn: string; seq: number } | null = null;
  const yieldTurn = turnYielder();
  for (;;) {
    const page = await store.bulletinLeaves(uptoSeq, to, after, PAGE);
    for (const { seq, entryOn, leaf } of page) {
      const index = log.append(textLeafHash(leaf));
      if (index >= seqs.length) {
        const moreSeqs = new Float64Array(seqs.length * 2);
        moreSeqs.set(seqs);
        seqs = moreSeqs;
        const moreDays = new Int32Array(days.length * 2);
        moreDays.set(days);
        days = moreDays;
      }
      seqs[index] = seq;
      days[index] = dayNumber(entryOn);
    }
    await yieldTurn();
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = { entryOn: last.entryOn, seq: last.seq };
  }
  return { log, days: days.subarray(0, log.length), seqs: seqs.subarray(0, log.length) };
}

const before = (dayA: number, seqA: number, dayB: number, seqB: number) =>
  dayA < dayB || (dayA === dayB && seqA < seqB);

/** Merges parts, each in tree order, into one tree (the threads each read a stretch of seqs). */
async function treeOfHashes(
  parts: { hashes: Uint8Array; days: Int32Array; seqs: Float64Array }[],
): Promise<BulletinTree> {
  const log = new MerkleLog();
  const total = parts.reduce((n, part) => n + part.seqs.length, 0);
  const days = new Int32Array(total);
  const seqs = new Float64Array(total);
  const at = parts.map(() => 0);
  const yieldTurn = turnYielder();
  for (let n = 0; n < total; n++) {
    if ((n & 4095) === 4095) await yieldTurn();
    let pick = -1;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p] as (typeof parts)[number];
      const i = at[p] as number;
      if (i >= part.seqs.length) continue;
      if (pick < 0) {
        pick = p;
        continue;
      }
      const best = parts[pick] as (typeof parts)[number];
      const j = at[pick] as number;
      if (before(part.days[i] as number, part.seqs[i] as number, best.days[j] as number, best.seqs[j] as number))
        pick = p;
    }
    const part = parts[pick] as (typeof parts)[number];
    const i = at[pick] as number;
    at[pick] = i + 1;
    const index = log.append(part.hashes.subarray(i * 32, i * 32 + 32));
    days[index] = part.days[i] as number;
    seqs[index] = part.seqs[i] as number;
  }
  return { log, days, seqs };
}

/** The index of the leaf of the entry dated `entryOn` and written by event `seq`, or -1. */
export function leafIndexOf(tree: BulletinTree, seq: number, entryOn: string): number {
  const day = dayNumber(entryOn);
  let lo = 0;
  let hi = tree.seqs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const d = tree.days[mid] as number;
    const s = tree.seqs[mid] as number;
    if (d === day && s === seq) return mid;
    if (before(d, s, day, seq)) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");
export const rootHex = (tree: BulletinTree, size = tree.log.length) => toHex(tree.log.root(size));
