import { createHash } from "node:crypto";
import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import { Bulletin, type BulletinPayload, periodRange } from "../../contracts/bulletins.ts";
import { fromHex, MerkleLog, textLeafHash, toHex, verifyConsistency } from "../crypto/merkle.ts";

/**
 * Checks a statistics bulletin with no database: only the bulletin, the JWKS and, where given, the
 * previous bulletin and the tree's entries. Every term it is given is checked (a check that skips
 * what it was handed lets a forged history pass), in a fixed order, stopping at the first that
 * fails. Imports nothing of the ledger but contracts/bulletins.ts and the Merkle module, so it can
 * be lifted out of the repository with them.
 */
export interface BulletinCheckInput {
  bulletin: unknown;
  jwks: unknown;
  previous?: unknown;
  /** The tree's leaves in order (GET /v1/bulletins/{id}/entries), one canonical JSON a line. */
  entries?: AsyncIterable<string>;
}

export interface BulletinCheckReport {
  ok: boolean;
  /** The checks that passed, in order. */
  passed: string[];
  /** The first that failed, and why. */
  failed?: { check: string; detail: string };
}

class CheckFailed extends Error {
  constructor(
    readonly check: string,
    detail: string,
  ) {
    super(detail);
  }
}

const BULLETIN_TYPE = "bulletin+jws";

export async function checkBulletin(input: BulletinCheckInput): Promise<BulletinCheckReport> {
  const passed: string[] = [];
  const check = async <T>(name: string, run: () => T | Promise<T>): Promise<T> => {
    try {
      const result = await run();
      passed.push(name);
      return result;
    } catch (error) {
      if (error instanceof CheckFailed) throw error;
      throw new CheckFailed(name, error instanceof Error ? error.message : String(error));
    }
  };
  try {
    const bulletin = await check("bulletin shape", () => parseBulletin(input.bulletin, "the bulletin"));
    const payload = await check("signature", () => verifiedPayload(bulletin.jws, input.jwks));
    await check("signed payload is the bulletin's", () => {
      if (canonical(payload) !== canonical(bulletin.payload)) throw new Error("the JWS payload differs from `payload`");
      if (payload.sequence !== bulletin.sequence || payload.period !== bulletin.period) {
        throw new Error("sequence or period differ between the bulletin and its payload");
      }
    });
    await check("arithmetic", () => checkArithmetic(payload));
    if (input.previous !== undefined) {
      const previous = await check("previous bulletin shape", () =>
        parseBulletin(input.previous, "the previous bulletin"),
      );
      const before = await check("previous bulletin signature", () => verifiedPayload(previous.jws, input.jwks));
      await check("link to the previous bulletin", () => {
        const link = payload.previous;
        if (!link) throw new Error("the bulletin names no previous bulletin");
        if (link.sequence !== before.sequence || payload.sequence !== before.sequence + 1) {
          throw new Error(
            `it follows bulletin ${link.sequence} as number ${payload.sequence}, not bulletin ${before.sequence}`,
          );
        }
        if (link.jwsHash !== sha256Hex(previous.jws)) throw new Error("previous.jwsHash is not the SHA-256 of its JWS");
        if (link.treeSize !== before.merkle.treeSize) throw new Error("previous.treeSize is not its tree's size");
      });
      await check("consistency proof", () => {
        const [small, large] =
          before.merkle.treeSize <= payload.merkle.treeSize
            ? [before.merkle, payload.merkle]
            : [payload.merkle, before.merkle];
        const ok = verifyConsistency(
          small.treeSize,
          large.treeSize,
          fromHex(small.rootHash),
          fromHex(large.rootHash),
          payload.consistencyProof.map((hash) => fromHex(hash)),
        );
        if (!ok) throw new Error("the smaller tree is not shown to be a prefix of the larger");
      });
    } else if (payload.previous === null && payload.consistencyProof.length > 0) {
      throw new CheckFailed("link to the previous bulletin", "a first bulletin has no consistency proof");
    }
    if (input.entries)
      await check("entries: root and figures", () => checkEntries(payload, input.entries as AsyncIterable<string>));
    return { ok: true, passed };
  } catch (error) {
    const failed = error as CheckFailed;
    return { ok: false, passed, failed: { check: failed.check, detail: failed.message } };
  }
}

function parseBulletin(value: unknown, what: string) {
  const parsed = Bulletin.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${what} is not a bulletin: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

/** EdDSA only, typ bulletin+jws, a kid the JWKS has as an Ed25519 key: anything else is refused before any verification. */
async function verifiedPayload(jws: string, jwks: unknown): Promise<BulletinPayload> {
  const header = decodeProtectedHeader(jws);
  if (header.alg !== "EdDSA") throw new Error(`alg is ${JSON.stringify(header.alg)}, not "EdDSA"`);
  if (header.typ !== BULLETIN_TYPE) throw new Error(`typ is ${JSON.stringify(header.typ)}, not "${BULLETIN_TYPE}"`);
  if (typeof header.kid !== "string") throw new Error("the JWS names no kid");
  const keys = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error("the JWKS has no keys array");
  const jwk = keys.find((key) => (key as { kid?: unknown })?.kid === header.kid) as Record<string, unknown> | undefined;
  if (!jwk) throw new Error(`the JWKS has no key ${header.kid}`);
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || "d" in jwk) {
    throw new Error(`key ${header.kid} is not an Ed25519 public key`);
  }
  const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: jwk.x }, "EdDSA");
  const { payload } = await compactVerify(jws, key, { algorithms: ["EdDSA"] }).catch(() => {
    throw new Error("the signature does not verify with that key");
  });
  const parsed = Bulletin.shape.payload.safeParse(JSON.parse(new TextDecoder().decode(payload)));
  if (!parsed.success) throw new Error(`the signed payload is malformed: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

const fen = (yuan: string) => {
  const [whole = "0", cents = "00"] = yuan.replace("-", "").split(".");
  const value = BigInt(whole) * 100n + BigInt(cents.padEnd(2, "0"));
  return yuan.startsWith("-") ? -value : value;
};

function checkArithmetic(p: BulletinPayload) {
  const range = periodRange(p.period);
  if (!range || range.from !== p.from || range.to !== p.to)
    throw new Error(`from and to are not the period ${p.period}`);
  // Periods end in China Standard Time (UTC+8).
  const publishedOn = new Date(Date.parse(p.publishedAt) + 8 * 3_600_000).toISOString().slice(0, 10);
  if (!(publishedOn > p.to)) throw new Error("published before its period ended (China Standard Time)");
  for (const [name, rows] of [
    ["byType", p.figures.byType],
    ["byTechField", p.figures.byTechField],
  ] as const) {
    const shown = rows.filter((row) => !row.suppressed);
    // With rows withheld (disclosure control) only the entries can check the rest.
    if (shown.length === rows.length) {
      const count = shown.reduce((n, row) => n + (row.count ?? 0), 0);
      const total = shown.reduce((n, row) => n + fen(row.totalAmount ?? "0"), 0n);
      const technology = shown.reduce((n, row) => n + fen(row.technologyAmount ?? "0"), 0n);
      if (
        count !== p.figures.count ||
        total !== fen(p.figures.totalAmount) ||
        technology !== fen(p.figures.technologyAmount)
      ) {
        throw new Error(`the ${name} rows do not add up to the figures`);
      }
    }
  }
  for (const goal of p.goals) {
    const target = fen(goal.targetAmount);
    const cumulative = fen(goal.cumulativeAmount);
    const bp = cumulative <= 0n || target <= 0n ? 0n : (cumulative * 10_000n) / target;
    if (goal.percent !== `${bp / 100n}.${String(bp % 100n).padStart(2, "0")}`) {
      throw new Error(`goal ${goal.id}: ${goal.percent}% is not ${goal.cumulativeAmount} of ${goal.targetAmount}`);
    }
    if (goal.reachedOn !== null && (cumulative < target || goal.reachedOn > p.to)) {
      throw new Error(
        `goal ${goal.id}: reached on ${goal.reachedOn} with ${goal.cumulativeAmount} of ${goal.targetAmount}`,
      );
    }
  }
  if ((p.previous === null) !== (p.sequence === 1)) throw new Error("only bulletin 1 has no previous bulletin");
}

async function checkEntries(p: BulletinPayload, entries: AsyncIterable<string>) {
  const log = new MerkleLog();
  const totals = { count: 0, total: 0n, technology: 0n };
  const byType = new Map<string, typeof totals>();
  const byField = new Map<string, typeof totals>();
  const add = (
    map: Map<string, typeof totals>,
    key: string,
    e: { count: number; totalFen: number; technologyFen: number },
  ) => {
    const row = map.get(key) ?? { count: 0, total: 0n, technology: 0n };
    row.count += e.count;
    row.total += BigInt(e.totalFen);
    row.technology += BigInt(e.technologyFen);
    map.set(key, row);
  };
  for await (const line of entries) {
    if (line === "") continue;
    log.append(textLeafHash(line));
    const entry = JSON.parse(line) as {
      entryOn: string;
      type: string;
      techField: string;
      count: number;
      totalFen: number;
      technologyFen: number;
    };
    if (entry.entryOn > p.to) throw new Error(`leaf ${log.length - 1} is dated ${entry.entryOn}, after the period`);
    if (entry.entryOn < p.from) continue;
    totals.count += entry.count;
    totals.total += BigInt(entry.totalFen);
    totals.technology += BigInt(entry.technologyFen);
    add(byType, entry.type, entry);
    add(byField, entry.techField, entry);
  }
  if (log.length !== p.merkle.treeSize) throw new Error(`${log.length} leaves, the tree has ${p.merkle.treeSize}`);
  if (toHex(log.root()) !== p.merkle.rootHash) throw new Error("the leaves do not hash to the tree's root");
  if (
    totals.count !== p.figures.count ||
    totals.total !== fen(p.figures.totalAmount) ||
    totals.technology !== fen(p.figures.technologyAmount)
  ) {
    throw new Error("the period's entries do not add up to its figures");
  }
  for (const [name, rows, key, map] of [
    ["byType", p.figures.byType, "type", byType],
    ["byTechField", p.figures.byTechField, "techField", byField],
  ] as const) {
    for (const row of rows) {
      if (row.suppressed) continue;
      const want = map.get((row as unknown as Record<string, string>)[key] ?? "");
      if (
        !want ||
        want.count !== row.count ||
        want.total !== fen(row.totalAmount ?? "0") ||
        want.technology !== fen(row.technologyAmount ?? "0")
      ) {
        throw new Error(`${name} ${(row as unknown as Record<string, string>)[key]} differs from its entries`);
      }
    }
  }
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** JSON with keys sorted at every level: two payloads are the same if their canonical texts are. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
