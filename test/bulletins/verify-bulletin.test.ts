import { CompactSign, importJWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { checkBulletin } from "../../src/bulletins/verify-bulletin.ts";
import { generatePrivateJwk } from "../../src/crypto/key-vault.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles, type RoleTokens, travel } from "../support/roles.ts";

const OFF = { limit: 0, windowMs: 60_000 };
type Json = Record<string, any>;

async function* linesOf(text: string) {
  for (const line of text.trim().split("\n")) yield line;
}

/** A JWS over `payload` with any header, signed with any Ed25519 JWK (or none). */
async function sign(payload: unknown, header: Json, jwk: Json) {
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, "EdDSA");
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as never)
    .sign(key);
}

describe("verify-bulletin: everything it is given, with no database", () => {
  let t: TestApp;
  let roles: RoleTokens;
  let first: Json;
  let second: Json;
  let jwks: Json;
  let entries1: string;
  let entries2: string;
  let privateJwk: Json;

  beforeAll(async () => {
    t = await createTestApp({ rateLimits: { statistics: OFF, tokens: OFF, keyFailures: OFF } });
    roles = await givenRoles(t);
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    for (const yuan of ["300000", "400000", "500000", "600000"]) {
      await givenRegisteredContract(t, roles, { totalAmount: yuan, technologyAmount: "100000" });
    }
    await travel(t, roles, "2025-08-03T02:00:00.000Z");
    first = (await t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: { period: "2025-07" } })).json;
    await givenRegisteredContract(t, roles, { totalAmount: "700000", technologyAmount: "100000" });
    await travel(t, roles, "2025-09-03T02:00:00.000Z");
    second = (await t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: { period: "2025-08" } })).json;
    jwks = (await t.call("GET", "/.well-known/jwks.json")).json;
    const entries = (b: Json) => t.call("GET", `/v1/bulletins/${b.id}/entries`, { token: roles.operator.token });
    entries1 = (await entries(first)).text;
    entries2 = (await entries(second)).text;
    privateJwk = ((await t.vault.read("bulletin"))[0] as { jwk: Json }).jwk;
  });

  const header = () => ({ alg: "EdDSA", kid: privateJwk.kid, typ: "bulletin+jws" });
  const failing = async (input: Parameters<typeof checkBulletin>[0]) => {
    const report = await checkBulletin(input);
    expect(report.ok).toBe(false);
    return report.failed;
  };

  it("passes a bulletin with the JWKS alone, and with its previous bulletin and its entries", async () => {
    expect(await checkBulletin({ bulletin: first, jwks, entries: linesOf(entries1) })).toMatchObject({ ok: true });
    const report = await checkBulletin({ bulletin: second, jwks, previous: first, entries: linesOf(entries2) });
    expect(report).toEqual({
      ok: true,
      passed: [
        "bulletin shape",
        "signature",
        "signed payload is the bulletin's",
        "arithmetic",
        "previous bulletin shape",
        "previous bulletin signature",
        "link to the previous bulletin",
        "consistency proof",
        "entries: root and figures",
      ],
    });
  });

  it("refuses another key, alg none, HS256 with the public key, another typ, and a key of another type", async () => {
    const other = await generatePrivateJwk();
    const wrongKey = { keys: [{ kty: "OKP", crv: "Ed25519", x: other.x, kid: privateJwk.kid }] };
    expect(await failing({ bulletin: first, jwks: wrongKey })).toMatchObject({
      check: "signature",
      detail: expect.stringMatching(/does not verify/),
    });
    const [h, p] = first.jws.split(".");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", kid: privateJwk.kid, typ: "bulletin+jws" })).toString("base64url")}.${p}.`;
    expect(await failing({ bulletin: { ...first, jws: unsigned }, jwks })).toMatchObject({
      check: "signature",
      detail: expect.stringMatching(/alg is "none"/),
    });
    const hsHeader = Buffer.from(JSON.stringify({ alg: "HS256", kid: privateJwk.kid, typ: "bulletin+jws" })).toString(
      "base64url",
    );
    const { createHmac } = await import("node:crypto");
    const mac = createHmac("sha256", Buffer.from(privateJwk.x, "base64url"))
      .update(`${hsHeader}.${p}`)
      .digest("base64url");
    expect(await failing({ bulletin: { ...first, jws: `${hsHeader}.${p}.${mac}` }, jwks })).toMatchObject({
      check: "signature",
      detail: expect.stringMatching(/alg is "HS256"/),
    });
    const jwt = await sign(first.payload, { ...header(), typ: "JWT" }, privateJwk);
    expect(await failing({ bulletin: { ...first, jws: jwt }, jwks })).toMatchObject({
      detail: expect.stringMatching(/typ/),
    });
    const octKeys = { keys: [{ kty: "oct", k: privateJwk.x, kid: privateJwk.kid }] };
    expect(await failing({ bulletin: first, jwks: octKeys })).toMatchObject({
      detail: expect.stringMatching(/not an Ed25519 public key/),
    });
    expect(h).toBeTruthy();
  });

  it("refuses an altered payload, altered totals (even re-signed), and a missing, extra or reordered leaf", async () => {
    const altered = { ...first, payload: { ...first.payload, figures: { ...first.payload.figures, count: 99 } } };
    expect(await failing({ bulletin: altered, jwks })).toMatchObject({ check: "signed payload is the bulletin's" });
    // Re-signed with the real key: the figures no longer add up.
    const forged = altered.payload;
    const resigned = { ...altered, jws: await sign(forged, header(), privateJwk) };
    expect(await failing({ bulletin: resigned, jwks })).toMatchObject({ check: "arithmetic" });
    // Totals and rows forged together, re-signed: the entries give them away.
    const both = {
      ...first.payload,
      figures: {
        ...first.payload.figures,
        totalAmount: "1900000.00",
        byType: [{ ...first.payload.figures.byType[0], totalAmount: "1900000.00" }],
        byTechField: [{ ...first.payload.figures.byTechField[0], totalAmount: "1900000.00" }],
      },
    };
    expect(
      await checkBulletin({ bulletin: { ...first, payload: both, jws: await sign(both, header(), privateJwk) }, jwks }),
    ).toMatchObject({ ok: true });
    expect(
      await failing({
        bulletin: { ...first, payload: both, jws: await sign(both, header(), privateJwk) },
        jwks,
        entries: linesOf(entries1),
      }),
    ).toMatchObject({ check: "entries: root and figures" });
    const leaves = entries1.trim().split("\n");
    for (const variant of [
      leaves.slice(1),
      [...leaves, leaves[0]],
      [leaves[1], leaves[0], ...leaves.slice(2)],
    ] as string[][]) {
      expect(await failing({ bulletin: first, jwks, entries: linesOf(variant.join("\n")) })).toMatchObject({
        check: "entries: root and figures",
      });
    }
  });

  it("refuses a forked history: a second bulletin 2 on the same predecessor, and a previous bulletin that is not the one linked", async () => {
    // A fork: bulletin 2 again, linked to bulletin 1, over a tree that does not extend bulletin 1's.
    const fork = {
      ...second.payload,
      merkle: { treeSize: 5, rootHash: "ab".repeat(32) },
    };
    const forked = { ...second, payload: fork, jws: await sign(fork, header(), privateJwk) };
    expect(await failing({ bulletin: forked, jwks, previous: first })).toMatchObject({ check: "consistency proof" });
    // The right bulletin with another predecessor (here, itself).
    expect(await failing({ bulletin: second, jwks, previous: second })).toMatchObject({
      check: "link to the previous bulletin",
    });
  });

  it("keeps a bulletin verifiable after the key is rotated: the JWKS lists every bulletin key", async () => {
    const { rotateBulletinKey, loadBulletinSigner } = await import("../../src/crypto/bulletin-keys.ts");
    await rotateBulletinKey(t.vault, t.clock);
    const signer = await loadBulletinSigner(t.vault, t.clock);
    const keys = signer.publicKeys();
    expect(keys).toHaveLength(2);
    const rotated = { keys };
    expect(await checkBulletin({ bulletin: first, jwks: rotated })).toMatchObject({ ok: true });
    const newer = await signer.sign(second.payload);
    expect(await checkBulletin({ bulletin: { ...second, jws: newer }, jwks: rotated })).toMatchObject({ ok: true });
    // Without the old key, the old bulletin no longer checks.
    expect(await failing({ bulletin: first, jwks: { keys: [keys[0]] } })).toMatchObject({ check: "signature" });
  });
});
