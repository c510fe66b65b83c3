import { describe, expect, it } from "vitest";
import {
  consistencyProof,
  emptyRoot,
  fromHex,
  inclusionProof,
  leafHash,
  MerkleLog,
  nodeHash,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from "../../src/crypto/merkle.ts";

// RFC 6962 test data as published in transparency-dev/merkle (testonly/constants.go, proof/verify_test.go).
const REFERENCE_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(fromHex);
const REFERENCE_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
// Indices are 0-based here; verify_test.go numbers leaves from 1.
const REFERENCE_INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  { index: 2, size: 3, proof: ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
  {
    index: 1,
    size: 5,
    proof: [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  },
];
const REFERENCE_CONSISTENCY = [
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

// A naive transcription of RFC 6962 section 2.1 over slices, independent of the module's iterative walks.
function naiveSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function naiveRoot(d: readonly Uint8Array[]): Buffer {
  if (d.length === 0) return emptyRoot();
  if (d.length === 1) return Buffer.from(d[0] as Uint8Array);
  const k = naiveSplit(d.length);
  return nodeHash(naiveRoot(d.slice(0, k)), naiveRoot(d.slice(k)));
}

function naivePath(m: number, d: readonly Uint8Array[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = naiveSplit(d.length);
  return m < k
    ? [...naivePath(m, d.slice(0, k)), naiveRoot(d.slice(k))]
    : [...naivePath(m - k, d.slice(k)), naiveRoot(d.slice(0, k))];
}

function naiveSubproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [naiveRoot(d)];
  const k = naiveSplit(d.length);
  return m <= k
    ? [...naiveSubproof(m, d.slice(0, k), b), naiveRoot(d.slice(k))]
    : [...naiveSubproof(m - k, d.slice(k), false), naiveRoot(d.slice(0, k))];
}

function naiveConsistency(m: number, d: readonly Uint8Array[]): Buffer[] {
  return m === 0 || m === d.length ? [] : naiveSubproof(m, d, true);
}

const hexes = (hashes: readonly Uint8Array[]) => hashes.map(toHex);

function flipped(proof: readonly Buffer[], at: number): Buffer[] {
  return proof.map((hash, i) => {
    const copy = Buffer.from(hash);
    if (i === at) copy[at % copy.length] = (copy[at % copy.length] as number) ^ 0x10;
    return copy;
  });
}

const MAX = 64;
const LEAVES = Array.from({ length: MAX }, (_, i) => leafHash(Buffer.from(`bulletin entry ${i}`)));
const LOG = MerkleLog.fromLeafHashes(LEAVES);
const ROOTS = Array.from({ length: MAX + 1 }, (_, n) => naiveRoot(LEAVES.slice(0, n)));
const OTHER_HASH = leafHash(Buffer.from("not in the log"));

describe("RFC 6962 reference vectors", () => {
  const hashes = REFERENCE_LEAVES.map(leafHash);
  const log = MerkleLog.fromLeafHashes(hashes);

  it("gives the published root for every size 0..8, from arrays and from the log", () => {
    for (let n = 0; n <= hashes.length; n++) {
      expect(toHex(rootOf(hashes.slice(0, n))), `size ${n}`).toBe(REFERENCE_ROOTS[n]);
      expect(toHex(log.root(n)), `log size ${n}`).toBe(REFERENCE_ROOTS[n]);
    }
  });

  it("hashes leaves with 0x00, nodes with 0x01, the empty tree as SHA-256 of nothing", () => {
    expect(toHex(emptyRoot())).toBe(REFERENCE_ROOTS[0]);
    expect(toHex(leafHash(new Uint8Array()))).toBe(REFERENCE_ROOTS[1]);
    expect(toHex(nodeHash(hashes[0] as Buffer, hashes[1] as Buffer))).toBe(REFERENCE_ROOTS[2]);
  });

  it("produces and accepts the published inclusion proofs", () => {
    for (const { index, size, proof } of REFERENCE_INCLUSION) {
      expect(hexes(inclusionProof(hashes, index, size))).toEqual(proof);
      expect(hexes(log.inclusionProof(index, size))).toEqual(proof);
      const root = fromHex(REFERENCE_ROOTS[size] as string);
      expect(verifyInclusion(hashes[index] as Buffer, index, size, proof.map(fromHex), root)).toBe(true);
    }
  });

  it("produces and accepts the published consistency proofs", () => {
    for (const { oldSize, newSize, proof } of REFERENCE_CONSISTENCY) {
      expect(hexes(consistencyProof(hashes, oldSize, newSize))).toEqual(proof);
      expect(hexes(log.consistencyProof(oldSize, newSize))).toEqual(proof);
      const oldRoot = fromHex(REFERENCE_ROOTS[oldSize] as string);
      const newRoot = fromHex(REFERENCE_ROOTS[newSize] as string);
      expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.map(fromHex))).toBe(true);
    }
  });
});

describe("every tree up to 64 leaves", () => {
  it("has the same root from rootOf, MerkleLog and the naive reference", () => {
    for (let n = 0; n <= MAX; n++) {
      expect(toHex(rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(toHex(ROOTS[n] as Buffer));
      expect(toHex(LOG.root(n)), `log size ${n}`).toBe(toHex(ROOTS[n] as Buffer));
    }
  });

  it("gives identical inclusion proofs three ways, and they verify", () => {
    for (let size = 1; size <= MAX; size++) {
      const tree = LEAVES.slice(0, size);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(LEAVES, index, size);
        const expected = hexes(naivePath(index, tree));
        expect(hexes(proof), `${index} in ${size}`).toEqual(expected);
        expect(hexes(LOG.inclusionProof(index, size)), `log ${index} in ${size}`).toEqual(expected);
        expect(verifyInclusion(LEAVES[index] as Buffer, index, size, proof, rootOf(tree))).toBe(true);
      }
    }
  });

  it("gives identical consistency proofs three ways, and they verify", () => {
    for (let newSize = 0; newSize <= MAX; newSize++) {
      const tree = LEAVES.slice(0, newSize);
      for (let oldSize = 0; oldSize <= newSize; oldSize++) {
        const proof = consistencyProof(LEAVES, oldSize, newSize);
        const expected = hexes(naiveConsistency(oldSize, tree));
        expect(hexes(proof), `${oldSize} -> ${newSize}`).toEqual(expected);
        expect(hexes(LOG.consistencyProof(oldSize, newSize)), `log ${oldSize} -> ${newSize}`).toEqual(expected);
        const oldRoot = rootOf(LEAVES.slice(0, oldSize));
        expect(verifyConsistency(oldSize, newSize, oldRoot, rootOf(tree), proof), `${oldSize} -> ${newSize}`).toBe(
          true,
        );
      }
    }
  });
});

describe("inclusion verification rejects", () => {
  const cases = Array.from({ length: MAX }, (_, i) => i + 1).flatMap((size) =>
    Array.from({ length: size }, (_, index) => ({ index, size, proof: LOG.inclusionProof(index, size) })),
  );
  const accepts = (leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array) =>
    verifyInclusion(leaf, index, size, proof, root);

  it("a flipped byte in any proof element", () => {
    for (const { index, size, proof } of cases) {
      for (let at = 0; at < proof.length; at++) {
        expect(accepts(LEAVES[index] as Buffer, index, size, flipped(proof, at), ROOTS[size] as Buffer)).toBe(false);
      }
    }
  });

  it("any other index, including past the end", () => {
    for (const { index, size, proof } of cases) {
      for (let other = 0; other <= size; other++) {
        if (other === index) continue;
        expect(
          accepts(LEAVES[index] as Buffer, other, size, proof, ROOTS[size] as Buffer),
          `${other} for ${index}`,
        ).toBe(false);
      }
    }
  });

  it("a tree of double or half the size, or one too small for the index", () => {
    // A neighbouring size can share the proof's shape (3 and 4 for leaf 0), so RFC 9162 cannot reject it:
    // the size is bound by the signed tree head, not by the proof. Sizes a level apart always differ in shape.
    for (const { index, size, proof } of cases) {
      const root = ROOTS[size] as Buffer;
      const leaf = LEAVES[index] as Buffer;
      for (const wrong of [size * 2, Math.floor(size / 2), index, 0]) {
        expect(accepts(leaf, index, wrong, proof, root), `size ${wrong} for ${index} in ${size}`).toBe(false);
      }
    }
  });

  it("a truncated or extended proof", () => {
    for (const { index, size, proof } of cases) {
      const root = ROOTS[size] as Buffer;
      const leaf = LEAVES[index] as Buffer;
      if (proof.length > 0) expect(accepts(leaf, index, size, proof.slice(0, -1), root)).toBe(false);
      if (proof.length > 0) expect(accepts(leaf, index, size, proof.slice(1), root)).toBe(false);
      expect(accepts(leaf, index, size, [...proof, OTHER_HASH], root)).toBe(false);
      expect(accepts(leaf, index, size, [...proof, root], root)).toBe(false);
      expect(accepts(leaf, index, size, [OTHER_HASH, ...proof], root)).toBe(false);
    }
  });

  it("a proof replayed as a smaller tree that runs out of levels before the proof ends", () => {
    // For the last leaf of a perfect tree every step hashes on the left, exactly as a size-1 tree would.
    for (const { index, size, proof } of cases) {
      if (proof.length === 0) continue;
      expect(accepts(LEAVES[index] as Buffer, 0, 1, proof, ROOTS[size] as Buffer), `${index} in ${size}`).toBe(false);
    }
  });

  it("a wrong root or a wrong leaf", () => {
    for (const { index, size, proof } of cases) {
      const leaf = LEAVES[index] as Buffer;
      expect(accepts(leaf, index, size, proof, emptyRoot())).toBe(false);
      expect(accepts(leaf, index, size, proof, ROOTS[size - 1] as Buffer)).toBe(false);
      expect(accepts(leaf, index, size, proof, flipped([ROOTS[size] as Buffer], 0)[0] as Buffer)).toBe(false);
      expect(accepts(OTHER_HASH, index, size, proof, ROOTS[size] as Buffer)).toBe(false);
    }
  });

  it("malformed input, without throwing", () => {
    const proof = LOG.inclusionProof(3, 10);
    const root = ROOTS[10] as Buffer;
    const leaf = LEAVES[3] as Buffer;
    expect(accepts(leaf, 3, 10, proof, root)).toBe(true);
    expect(accepts(leaf.subarray(1), 3, 10, proof, root)).toBe(false);
    expect(accepts(leaf, 3, 10, proof, root.subarray(0, 31))).toBe(false);
    expect(accepts(leaf, 3, 10, [...proof.slice(0, -1), Buffer.alloc(0)], root)).toBe(false);
    expect(accepts(leaf, -1, 10, proof, root)).toBe(false);
    expect(accepts(leaf, 3.5, 10, proof, root)).toBe(false);
    expect(accepts(leaf, 3, Number.NaN, proof, root)).toBe(false);
    expect(accepts(leaf, 0, 0, [], emptyRoot())).toBe(false);
  });
});

describe("consistency verification rejects", () => {
  const cases = Array.from({ length: MAX }, (_, i) => i + 1).flatMap((newSize) =>
    Array.from({ length: newSize - 1 }, (_, i) => {
      const oldSize = i + 1;
      return { oldSize, newSize, proof: LOG.consistencyProof(oldSize, newSize) };
    }),
  );
  const accepts = (
    oldSize: number,
    newSize: number,
    proof: readonly Uint8Array[],
    oldRoot?: Buffer,
    newRoot?: Buffer,
  ) =>
    verifyConsistency(
      oldSize,
      newSize,
      oldRoot ?? (ROOTS[oldSize] as Buffer),
      newRoot ?? (ROOTS[newSize] as Buffer),
      proof,
    );

  it("covers every non-trivial pair with a non-empty proof", () => {
    expect(cases).toHaveLength((MAX * (MAX - 1)) / 2);
    expect(cases.every(({ proof }) => proof.length > 0)).toBe(true);
  });

  it("a flipped byte in any proof element", () => {
    for (const { oldSize, newSize, proof } of cases) {
      for (let at = 0; at < proof.length; at++) {
        expect(accepts(oldSize, newSize, flipped(proof, at)), `${oldSize} -> ${newSize} at ${at}`).toBe(false);
      }
    }
  });

  it("any other old size, with the old root of the size the proof was made for", () => {
    for (const { oldSize, newSize, proof } of cases) {
      const oldRoot = ROOTS[oldSize] as Buffer;
      for (let other = 0; other <= newSize + 1; other++) {
        if (other === oldSize || other === 0) continue;
        expect(accepts(other, newSize, proof, oldRoot), `${other} for ${oldSize} -> ${newSize}`).toBe(false);
      }
    }
  });

  it("a proof replayed against a new tree a level or more smaller, which runs out of levels first", () => {
    for (const { oldSize, newSize, proof } of cases) {
      for (let smaller = oldSize + 1; smaller <= newSize / 2; smaller++) {
        expect(accepts(oldSize, smaller, proof, undefined, ROOTS[newSize] as Buffer), `${oldSize} -> ${smaller}`).toBe(
          false,
        );
      }
    }
  });

  it("a new tree of double or half the size", () => {
    // As with inclusion, a neighbouring new size can share the proof's shape; the signed tree head binds it.
    for (const { oldSize, newSize, proof } of cases) {
      const newRoot = ROOTS[newSize] as Buffer;
      for (const wrong of [newSize * 2, Math.floor(newSize / 2)]) {
        expect(accepts(oldSize, wrong, proof, undefined, newRoot), `${oldSize} -> ${wrong} for ${newSize}`).toBe(false);
      }
    }
  });

  it("a truncated, extended or emptied proof", () => {
    for (const { oldSize, newSize, proof } of cases) {
      const oldRoot = ROOTS[oldSize] as Buffer;
      const newRoot = ROOTS[newSize] as Buffer;
      expect(accepts(oldSize, newSize, proof.slice(0, -1))).toBe(false);
      expect(accepts(oldSize, newSize, proof.slice(1))).toBe(false);
      expect(accepts(oldSize, newSize, [])).toBe(false);
      for (const extra of [OTHER_HASH, oldRoot, newRoot, proof[0] as Buffer]) {
        expect(accepts(oldSize, newSize, [...proof, extra]), `${oldSize} -> ${newSize} appended`).toBe(false);
        expect(accepts(oldSize, newSize, [extra, ...proof]), `${oldSize} -> ${newSize} prepended`).toBe(false);
      }
    }
  });

  it("a wrong old root, a wrong new root, or swapped roots", () => {
    for (const { oldSize, newSize, proof } of cases) {
      const oldRoot = ROOTS[oldSize] as Buffer;
      const newRoot = ROOTS[newSize] as Buffer;
      expect(accepts(oldSize, newSize, proof, OTHER_HASH)).toBe(false);
      expect(accepts(oldSize, newSize, proof, undefined, OTHER_HASH)).toBe(false);
      expect(accepts(oldSize, newSize, proof, newRoot, oldRoot)).toBe(false);
    }
  });

  it("the edge cases: empty old tree, equal sizes, shrinking, malformed input", () => {
    const root5 = ROOTS[5] as Buffer;
    expect(accepts(0, 5, [])).toBe(true);
    expect(accepts(0, 0, [])).toBe(true);
    expect(accepts(0, 5, [root5])).toBe(false);
    expect(accepts(5, 5, [])).toBe(true);
    expect(accepts(5, 5, [root5])).toBe(false);
    expect(accepts(5, 5, [], root5, ROOTS[4] as Buffer)).toBe(false);
    expect(accepts(6, 5, LOG.consistencyProof(5, 6), ROOTS[6] as Buffer, root5)).toBe(false);
    const proof = LOG.consistencyProof(3, 7);
    expect(accepts(3, 7, proof)).toBe(true);
    expect(accepts(3, 7, [...proof.slice(0, -1), Buffer.alloc(31)])).toBe(false);
    expect(accepts(3, 7, proof, (ROOTS[3] as Buffer).subarray(1))).toBe(false);
    expect(accepts(-3, 7, proof, ROOTS[3] as Buffer)).toBe(false);
    expect(accepts(3, 7.5, proof, undefined, ROOTS[7] as Buffer)).toBe(false);
  });
});

describe("MerkleLog", () => {
  it("answers proofs over 100,000 leaves that verify, with logarithmic proof length", () => {
    const count = 100_000;
    const leaves = Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const log = MerkleLog.fromLeafHashes(leaves);
    expect(log.length).toBe(count);
    const root = log.root();
    expect(toHex(root)).toBe(toHex(rootOf(leaves)));
    for (const index of [0, 1, 65_535, 65_536, 99_998, 99_999]) {
      const proof = log.inclusionProof(index);
      expect(proof.length).toBeLessThanOrEqual(17);
      expect(verifyInclusion(leaves[index] as Buffer, index, count, proof, root)).toBe(true);
    }
    for (const oldSize of [1, 4_096, 65_536, 77_777, 99_999]) {
      const proof = log.consistencyProof(oldSize);
      expect(proof.length).toBeLessThanOrEqual(2 * 17);
      expect(verifyConsistency(oldSize, count, log.root(oldSize), root, proof)).toBe(true);
    }
    const midRoot = log.root(54_321);
    expect(verifyInclusion(leaves[12_345] as Buffer, 12_345, 54_321, log.inclusionProof(12_345, 54_321), midRoot)).toBe(
      true,
    );
    expect(verifyConsistency(9_999, 54_321, log.root(9_999), midRoot, log.consistencyProof(9_999, 54_321))).toBe(true);
  });

  it("hands out copies, so a caller mutating a proof cannot corrupt the log", () => {
    const log = MerkleLog.fromLeafHashes(LEAVES.slice(0, 8));
    const before = toHex(log.root());
    for (const hash of [...log.inclusionProof(2), log.root(4), log.leafHashAt(0)]) hash.fill(0);
    expect(toHex(log.root())).toBe(before);
    expect(toHex(log.leafHashAt(0))).toBe(toHex(LEAVES[0] as Buffer));
  });

  it("keeps answering for old sizes as it grows, and returns each leaf's index", () => {
    const log = new MerkleLog();
    for (let i = 0; i < 20; i++) {
      expect(log.append(LEAVES[i] as Buffer)).toBe(i);
      for (let n = 0; n <= log.length; n++) expect(toHex(log.root(n))).toBe(toHex(ROOTS[n] as Buffer));
    }
  });

  it("refuses sizes beyond its length, indices beyond the size, and hashes of the wrong length", () => {
    expect(() => LOG.root(MAX + 1)).toThrow(RangeError);
    expect(() => LOG.inclusionProof(5, 5)).toThrow(RangeError);
    expect(() => LOG.inclusionProof(0, MAX + 1)).toThrow(RangeError);
    expect(() => LOG.consistencyProof(6, 5)).toThrow(RangeError);
    expect(() => LOG.consistencyProof(1, MAX + 1)).toThrow(RangeError);
    expect(() => LOG.leafHashAt(MAX)).toThrow(RangeError);
    expect(() => new MerkleLog().append(new Uint8Array(31))).toThrow(TypeError);
    expect(() => inclusionProof(LEAVES, 0, MAX + 1)).toThrow(RangeError);
    expect(() => consistencyProof(LEAVES, 3, 2)).toThrow(RangeError);
    expect(() => rootOf([new Uint8Array(33)])).toThrow(TypeError);
  });
});

describe("hex helpers", () => {
  it("round-trip lowercase hex and refuse anything else", () => {
    const bytes = Uint8Array.of(0, 1, 0xab, 0xff);
    expect(toHex(bytes)).toBe("0001abff");
    expect([...fromHex("0001abff")]).toEqual([...bytes]);
    expect(toHex(new Uint8Array(8).subarray(2, 4))).toBe("0000");
    for (const bad of ["0", "0g", "ABCD", " 00", "00 "]) expect(() => fromHex(bad)).toThrow(TypeError);
  });
});
