// RFC 6962 (Certificate Transparency) Merkle trees: tree heads, inclusion and consistency proofs.
// Self-contained on purpose (node:crypto only), so a bulletin verifier can be lifted out of the repo alone.
import * as nodeCrypto from "node:crypto";

const { createHash } = nodeCrypto;

export const HASH_SIZE = 32;

// Domain separation prefixes from RFC 6962 section 2.1: a leaf can never be read as an interior node.
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/**
 * Node's one-shot `crypto.hash` (20.12 on) where there is one: a tree of a million leaves hashes
 * two million times, and a Hash object per call cost about twice as much. Workers' node:crypto
 * may not have it; then a Hash object it is.
 */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: "buffer") => Buffer })
  .hash;

/** MTH of one entry: SHA-256(0x00 || leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  if (oneShot) {
    const input = Buffer.allocUnsafe(leaf.length + 1);
    input[0] = 0x00;
    input.set(leaf, 1);
    return oneShot("sha256", input, "buffer");
  }
  return createHash("sha256").update(LEAF_PREFIX).update(leaf).digest();
}

/** The leaf hash of a text leaf (its UTF-8 bytes), without encoding it first where Node can. */
export function textLeafHash(leaf: string): Buffer {
  return oneShot ? oneShot("sha256", `\u0000${leaf}`, "buffer") : leafHash(new TextEncoder().encode(leaf));
}

const pair = Buffer.alloc(1 + 2 * 32, 0x01);

/** Interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (oneShot && left.length === 32 && right.length === 32) {
    pair.set(left, 1);
    pair.set(right, 33);
    return oneShot("sha256", pair, "buffer");
  }
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}) = SHA-256(""). */
export function emptyRoot(): Buffer {
  return createHash("sha256").digest();
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Strict lowercase hex: Buffer.from(s, "hex") silently stops at the first bad character, which would hide corruption. */
export function fromHex(hex: string): Buffer {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new TypeError("expected an even-length lowercase hex string");
  return Buffer.from(hex, "hex");
}

/** MTH(D[n]) over the given leaf hashes (RFC 6962 section 2.1). */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  assertLeafHashes(leafHashes, leafHashes.length);
  return leafHashes.length === 0 ? emptyRoot() : arraySubtree(leafHashes)(0, leafHashes.length);
}

/** PATH(index, D[size]) over the first `size` of the given leaf hashes (RFC 6962 section 2.1.1). */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number, size: number): Buffer[] {
  assertSize(size, leafHashes.length);
  assertIndex(index, size);
  assertLeafHashes(leafHashes, size);
  return inclusionPath(index, size, arraySubtree(leafHashes));
}

/** PROOF(oldSize, D[newSize]) (RFC 6962 section 2.1.2); empty when there is nothing to prove. */
export function consistencyProof(leafHashes: readonly Uint8Array[], oldSize: number, newSize: number): Buffer[] {
  assertSize(newSize, leafHashes.length);
  assertSize(oldSize, newSize);
  assertLeafHashes(leafHashes, newSize);
  return consistencyPath(oldSize, newSize, arraySubtree(leafHashes));
}

/**
 * RFC 9162 section 2.1.3.2. Returns false (never throws) on any malformed input, since proofs
 * come from whoever is being checked.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isCount(index) || !isCount(size) || index >= size) return false;
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Right-edge nodes with no sibling at this level are promoted, not hashed: skip those levels.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(r, root);
}

/**
 * RFC 9162 section 2.1.4.2. An empty old tree is consistent with anything, but only with an
 * empty proof; equal sizes need equal roots and an empty proof. Returns false on malformed input.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false;
  if (oldSize === 0) return proof.length === 0;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  // When the old tree is a perfect subtree of the new one its root is the path's start and is left out of the proof.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  const [first, ...rest] = path;
  if (first === undefined) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Uint8Array = first;
  let sr: Uint8Array = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/**
 * An append-only log of leaf hashes that answers tree heads and proofs for any past size in
 * O(log n) hashes. Level k, node i holds MTH of leaves [i*2^k, (i+1)*2^k), stored as soon as that
 * perfect subtree is complete; only the ragged right edge of a requested tree is hashed per answer.
 */
export class MerkleLog {
  // One contiguous buffer per level (HASH_SIZE bytes a node), so a million leaves are ~64 MB rather than 2M objects.
  private readonly levels: Buffer[] = [];
  private leafCount = 0;

  static fromLeafHashes(leafHashes: Iterable<Uint8Array>): MerkleLog {
    const log = new MerkleLog();
    for (const hash of leafHashes) log.append(hash);
    return log;
  }

  get length(): number {
    return this.leafCount;
  }

  /** Appends a leaf hash (not the raw leaf) and returns its index. */
  append(hash: Uint8Array): number {
    if (!isHash(hash)) throw new TypeError(`a leaf hash must be ${HASH_SIZE} bytes`);
    const index = this.leafCount;
    this.write(0, index, hash);
    // Each completed pair closes a perfect subtree one level up; carry until a node has no right sibling yet.
    let level = 0;
    let position = index;
    while (isOdd(position)) {
      const parent = nodeHash(this.node(level, position - 1), this.node(level, position));
      level += 1;
      position = half(position);
      this.write(level, position, parent);
    }
    this.leafCount = index + 1;
    return index;
  }

  leafHashAt(index: number): Buffer {
    assertIndex(index, this.leafCount);
    return Buffer.from(this.node(0, index));
  }

  /** MTH of the first `size` leaves, the root a tree head of that size signs. */
  root(size: number = this.leafCount): Buffer {
    assertSize(size, this.leafCount);
    return size === 0 ? emptyRoot() : this.subtree(0, size);
  }

  inclusionProof(index: number, size: number = this.leafCount): Buffer[] {
    assertSize(size, this.leafCount);
    assertIndex(index, size);
    return inclusionPath(index, size, (start, end) => this.subtree(start, end));
  }

  consistencyProof(oldSize: number, newSize: number = this.leafCount): Buffer[] {
    assertSize(newSize, this.leafCount);
    assertSize(oldSize, newSize);
    return consistencyPath(oldSize, newSize, (start, end) => this.subtree(start, end));
  }

  /** MTH(D[start:end]); a fresh buffer, so callers may mutate what they are given. */
  private subtree(start: number, end: number): Buffer {
    const width = end - start;
    if (isPowerOfTwo(width) && start % width === 0) return Buffer.from(this.node(log2(width), start / width));
    const k = splitPoint(width);
    return nodeHash(this.subtree(start, start + k), this.subtree(start + k, end));
  }

  private node(level: number, position: number): Buffer {
    const buffer = this.levels[level];
    if (buffer === undefined) throw new Error(`merkle log level ${level} missing`);
    return buffer.subarray(position * HASH_SIZE, (position + 1) * HASH_SIZE);
  }

  private write(level: number, position: number, hash: Uint8Array): void {
    const offset = position * HASH_SIZE;
    let buffer = this.levels[level] ?? Buffer.alloc(0);
    if (offset + HASH_SIZE > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(16 * HASH_SIZE, buffer.length * 2));
      buffer.copy(grown);
      buffer = grown;
      this.levels[level] = buffer;
    }
    buffer.set(hash, offset);
  }
}

/** MTH(D[start:end]) for a non-empty range; always a fresh buffer. */
type SubtreeHash = (start: number, end: number) => Buffer;

// PATH and SUBPROOF from RFC 6962, walked top-down and then reversed because the RFC lists the deepest
// sibling first. Every left range they visit is a perfect aligned subtree, so MerkleLog answers it by lookup,
// and only one ragged right-edge range per proof needs hashing.

function inclusionPath(index: number, size: number, subtree: SubtreeHash): Buffer[] {
  const siblings: Buffer[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const mid = start + splitPoint(end - start);
    if (index < mid) {
      siblings.push(subtree(mid, end));
      end = mid;
    } else {
      siblings.push(subtree(start, mid));
      start = mid;
    }
  }
  return siblings.reverse();
}

function consistencyPath(oldSize: number, newSize: number, subtree: SubtreeHash): Buffer[] {
  if (oldSize === 0 || oldSize === newSize) return [];
  const siblings: Buffer[] = [];
  let start = 0;
  let end = newSize;
  // SUBPROOF's flag: true while the current subtree is a prefix of the new tree the verifier already knows the root of.
  let knownRoot = true;
  while (oldSize - start !== end - start) {
    const mid = start + splitPoint(end - start);
    if (oldSize <= mid) {
      siblings.push(subtree(mid, end));
      end = mid;
    } else {
      siblings.push(subtree(start, mid));
      start = mid;
      knownRoot = false;
    }
  }
  const head = knownRoot ? [] : [subtree(start, end)];
  return [...head, ...siblings.reverse()];
}

function arraySubtree(leafHashes: readonly Uint8Array[]): SubtreeHash {
  const hash: SubtreeHash = (start, end) => {
    if (end - start === 1) return Buffer.from(leafHashes[start] as Uint8Array);
    const mid = start + splitPoint(end - start);
    return nodeHash(hash(start, mid), hash(mid, end));
  };
  return hash;
}

/** The largest power of two strictly less than n (n >= 2): RFC 6962's k, not the midpoint. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// Plain arithmetic rather than bitwise operators, which would truncate sizes beyond 2^31.
function half(n: number): number {
  return Math.floor(n / 2);
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let m = n;
  while (m % 2 === 0) m /= 2;
  return m === 1;
}

function log2(powerOfTwo: number): number {
  let level = 0;
  for (let m = powerOfTwo; m > 1; m /= 2) level += 1;
  return level;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(bytes: unknown): bytes is Uint8Array {
  return bytes instanceof Uint8Array && bytes.length === HASH_SIZE;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function assertSize(size: number, limit: number): void {
  if (!isCount(size) || size > limit) throw new RangeError(`tree size ${size} is not in [0, ${limit}]`);
}

function assertIndex(index: number, size: number): void {
  if (!isCount(index) || index >= size) throw new RangeError(`leaf index ${index} is not in [0, ${size})`);
}

function assertLeafHashes(leafHashes: readonly Uint8Array[], count: number): void {
  for (let i = 0; i < count; i++) {
    if (!isHash(leafHashes[i])) throw new TypeError(`leaf hash ${i} must be ${HASH_SIZE} bytes`);
  }
}
