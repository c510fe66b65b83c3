import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import { configuredVault, generatePrivateJwk, memoryVault } from "../../src/crypto/key-vault.ts";
import { loadTokenKeys, rotateTokenKey } from "../../src/crypto/token-keys.ts";
import { createApp } from "../../src/http/create-app.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { buildDeps } from "../../src/runtime/deps.ts";
import { fileVault, keyFilePath, nodeKeyVault } from "../../src/runtime/key-file.ts";
import { createTestApp, fixedClock, givenOperator, testConfig, tokenFor } from "../support/app.ts";

const folder = () => mkdtempSync(join(tmpdir(), "ledger-keys-"));
const mode = (path: string) => statSync(path).mode & 0o777;

async function signAs(
  jwk: { kty: string; crv: string; x: string; d: string },
  kid: string | undefined,
  claims: {
    sub: string;
    org: string;
    iat: number;
    exp: number;
  },
) {
  return new SignJWT({ org: claims.org })
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", ...(kid ? { kid } : {}) })
    .setIssuer(testConfig.LEDGER_TOKEN_ISSUER)
    .setAudience(testConfig.LEDGER_TOKEN_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(await importJWK(jwk, "EdDSA"));
}

describe("the token key is not in the database", () => {
  it("publishes the public half built from kty, crv and x alone, with the RFC 7638 thumbprint as kid", async () => {
    const t = await createTestApp();
    const [stored] = await t.vault.read("token");
    const { keys } = (await t.call("GET", "/.well-known/jwks.json")).json;
    // The token key, then the bulletin key (its own, built the same way).
    const [bulletin] = await t.vault.read("bulletin");
    expect(keys.map((key: { x: string }) => key.x)).toEqual([stored?.jwk.x, bulletin?.jwk.x]);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
      expect(key.kid).toBe(await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: key.x }));
    }
  });

  it("keeps the private key in a 0600 file beside the database and nothing of it in the database files", async () => {
    const dir = join(folder(), "new-ledger");
    const config = parseConfig({ LEDGER_DATABASE: join(dir, "ledger.sqlite") });
    const database = openSqlite(config.LEDGER_DATABASE);
    await migrate(database);
    const vault = nodeKeyVault(config);
    const deps = await buildDeps(database, config, { vault });
    const t = { app: createApp(deps), deps };
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const response = await t.app.request(path, {
        method,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, json: await response.json().catch(() => undefined) };
    };
    const { createOperator } = await import("../../src/domain/organizations/create-operator.ts");
    const operator = await createOperator(deps, "Operator One");
    const token = (await call("POST", "/v1/auth/token", { apiKey: operator.apiKey })).json.accessToken;
    expect((await call("GET", `/v1/organizations/${operator.organizationId}`, undefined, token)).status).toBe(200);

    const keyFile = keyFilePath(config);
    expect(keyFile).toBe(`${config.LEDGER_DATABASE}.keys.json`);
    expect(mode(dir)).toBe(0o700);
    expect(mode(keyFile)).toBe(0o600);
    expect(mode(config.LEDGER_DATABASE)).toBe(0o600);
    expect(mode(`${config.LEDGER_DATABASE}-wal`)).toBe(0o600);
    const [stored] = await vault.read("token");
    const d = stored?.jwk.d as string;
    expect(d).toMatch(/^[\w-]{43}$/);
    expect(readFileSync(keyFile, "utf8")).toContain(d);
    for (const file of [config.LEDGER_DATABASE, `${config.LEDGER_DATABASE}-wal`]) {
      const bytes = readFileSync(file);
      expect(bytes.includes(d), file).toBe(false);
      expect(bytes.includes(Buffer.from(d, "base64url")), file).toBe(false);
    }
    expect(await createLedgerStore(database).legacySigningKeys()).toEqual([]);
    await database.close();
  });

  it("tightens an existing database, log and index that others could read", async () => {
    const path = join(folder(), "ledger.sqlite");
    const first = openSqlite(path);
    await migrate(first);
    await first.close();
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o644);
    const again = openSqlite(path);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) expect(mode(file), file).toBe(0o600);
    await again.close();
  });

  it("refuses a key file that others can read, naming the file and the fix", async () => {
    const path = join(folder(), "ledger.sqlite.keys.json");
    const vault = fileVault(path);
    await loadTokenKeys(
      vault,
      { legacySigningKeys: async () => [], purgeLegacySigningKeys: async () => {} },
      fixedClock(),
    );
    chmodSync(path, 0o640);
    await expect(vault.read("token")).rejects.toThrow(/can be read by others \(mode 640\).*chmod 600/);
  });

  it("refuses a key file that is not one, naming the file", async () => {
    const path = join(folder(), "keys.json");
    writeFileSync(path, '{"token": "nope"}', { mode: 0o600 });
    await expect(fileVault(path).read("token")).rejects.toThrow(/keys\.json is not a key file/);
  });

  it("gives two processes starting on a new ledger the same key", async () => {
    const path = join(folder(), "keys.json");
    const none = { legacySigningKeys: async () => [], purgeLegacySigningKeys: async () => {} };
    const [a, b] = await Promise.all([
      loadTokenKeys(fileVault(path), none, fixedClock()),
      loadTokenKeys(fileVault(path), none, fixedClock()),
    ]);
    expect(a[0]?.jwk.x).toBe(b[0]?.jwk.x);
    expect(await fileVault(path).read("token")).toHaveLength(1);
  });

  it("moves a key an earlier version kept in the database into the key file, and erases it from the database", async () => {
    const path = join(folder(), "ledger.sqlite");
    const database = openSqlite(path);
    await migrate(database);
    // What the earlier version stored: the private JWK in clear.
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const legacy = { ...(await exportJWK(privateKey)), kid: "ledger-2025-06-01-1a2b3c4d", alg: "EdDSA", use: "sig" };
    await database.batch([
      database.db
        .insertInto("signing_keys")
        .values({
          kid: legacy.kid,
          algorithm: "EdDSA",
          private_jwk: JSON.stringify(legacy),
          public_jwk: JSON.stringify({ ...legacy, d: undefined }),
          created_at: "2025-06-01T00:00:00.000Z",
        })
        .compile(),
    ]);
    const clock = fixedClock();
    const config = parseConfig({ LEDGER_DATABASE: path });
    const deps = await buildDeps(database, config, { vault: nodeKeyVault(config), clock });
    const app = createApp(deps);
    const { createOperator } = await import("../../src/domain/organizations/create-operator.ts");
    const operator = await createOperator(deps, "Operator One");
    const now = Math.floor(clock.now().getTime() / 1000);
    // A token the earlier version issued stays valid: the key kept its kid.
    const old = await signAs(legacy as never, legacy.kid, {
      sub: operator.keyId,
      org: operator.organizationId,
      iat: now - 60,
      exp: now + 600,
    });
    const response = await app.request(`/v1/organizations/${operator.organizationId}`, {
      headers: { authorization: `Bearer ${old}` },
    });
    expect(response.status).toBe(200);
    expect(await createLedgerStore(database).legacySigningKeys()).toEqual([]);
    const moved = await fileVault(keyFilePath(config)).read("token");
    expect(moved.map((key) => key.jwk.kid)).toEqual([legacy.kid]);
    for (const file of [path, `${path}-wal`]) {
      if (!existsSync(file)) continue;
      expect(readFileSync(file).includes(legacy.d as string), file).toBe(false);
    }
    await database.close();
  });
});

describe("LEDGER_SIGNING_KEY", () => {
  const jwk = async () => {
    const { kid: _kid, ...key } = await generatePrivateJwk();
    return key;
  };

  it("accepts a private Ed25519 JWK, and a JWK Set whose first key signs", async () => {
    const [one, two] = [await jwk(), await jwk()];
    expect(parseConfig({ LEDGER_SIGNING_KEY: JSON.stringify(one) }).LEDGER_SIGNING_KEY).toHaveLength(1);
    const set = parseConfig({ LEDGER_SIGNING_KEY: JSON.stringify({ keys: [one, two] }) }).LEDGER_SIGNING_KEY ?? [];
    const t = await createTestApp({ vault: configuredVault("LEDGER_SIGNING_KEY", set) });
    const { keys } = (await t.call("GET", "/.well-known/jwks.json")).json;
    expect(keys.map((key: { x: string }) => key.x)).toEqual([one.x, two.x]);
    const operator = await givenOperator(t);
    const header = JSON.parse(Buffer.from(operator.token.split(".")[0] ?? "", "base64url").toString());
    expect(header.kid).toBe(keys[0].kid);
  });

  it("refuses an oct key, an RSA key, a public key alone and a P-256 key, without echoing them", async () => {
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const cases: [unknown, RegExp][] = [
      [{ kty: "oct", k: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA" }, /kty must be "OKP"/],
      [await exportJWK(rsa.privateKey), /kty must be "OKP"/],
      [await exportJWK(publicKey), /kty must be "OKP"/],
      [{ ...(await jwk()), d: undefined }, /d \(the private key\) is required/],
      [{ ...(await jwk()), crv: "X25519" }, /crv must be "Ed25519"/],
      [{ keys: [] }, /keys must be a list/],
      [{ keys: [await jwk(), { kty: "oct", k: "AAAA" }] }, /key 2: must be a private Ed25519 JWK/],
    ];
    for (const [value, message] of cases) {
      const text = JSON.stringify(value);
      let error = "";
      try {
        parseConfig({ LEDGER_SIGNING_KEY: text });
      } catch (thrown) {
        error = String(thrown);
      }
      expect(error, text).toMatch(/LEDGER_SIGNING_KEY/);
      expect(error, text).toMatch(message);
      expect(error, text).not.toContain(text.slice(10, 40));
    }
  });

  it("refuses a key whose private half does not belong to its public half", async () => {
    const [one, two] = [await jwk(), await jwk()];
    const mixed = parseConfig({ LEDGER_SIGNING_KEY: JSON.stringify({ ...one, d: two.d }) }).LEDGER_SIGNING_KEY ?? [];
    await expect(createTestApp({ vault: configuredVault("LEDGER_SIGNING_KEY", mixed) })).rejects.toThrow(
      /LEDGER_SIGNING_KEY key 1: the private key d does not match the public key x/,
    );
  });

  it("is never replaced or rotated by the service", async () => {
    const set = parseConfig({ LEDGER_SIGNING_KEY: JSON.stringify(await jwk()) }).LEDGER_SIGNING_KEY ?? [];
    await expect(rotateTokenKey(configuredVault("LEDGER_SIGNING_KEY", set), fixedClock())).rejects.toThrow(
      /set in the LEDGER_SIGNING_KEY variable/,
    );
  });
});

describe("token lifetime and rotation", () => {
  it("refuses a token older than the configured lifetime, whatever its exp says", async () => {
    const t = await createTestApp();
    const operator = await givenOperator(t);
    const [stored] = await t.vault.read("token");
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const claims = { sub: operator.keyId, org: operator.organizationId, exp: now + 365 * 86_400 };
    const fresh = await signAs(stored?.jwk as never, stored?.jwk.kid, { ...claims, iat: now - 60 });
    const old = await signAs(stored?.jwk as never, stored?.jwk.kid, {
      ...claims,
      iat: now - testConfig.LEDGER_TOKEN_TTL_SECONDS - 60,
    });
    const path = `/v1/organizations/${operator.organizationId}`;
    expect((await t.call("GET", path, { token: fresh })).status).toBe(200);
    const refused = await t.call("GET", path, { token: old });
    expect(refused.status).toBe(401);
    expect(refused.json.detail).toMatch(/expired/);
    // Even once verified, a token is not kept past its age.
    t.clock.advance(testConfig.LEDGER_TOKEN_TTL_SECONDS * 1000);
    expect((await t.call("GET", path, { token: fresh })).status).toBe(401);
  });

  it("refuses a token whose kid is not one of the service's keys, or that has none", async () => {
    const t = await createTestApp();
    const operator = await givenOperator(t);
    const [stored] = await t.vault.read("token");
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const claims = { sub: operator.keyId, org: operator.organizationId, iat: now, exp: now + 60 };
    const path = `/v1/organizations/${operator.organizationId}`;
    for (const kid of ["someone-else", undefined]) {
      const response = await t.call("GET", path, { token: await signAs(stored?.jwk as never, kid, claims) });
      expect(response.status).toBe(401);
      expect(response.json.detail).toMatch(/signing key \(kid\) is not one of this service's keys/);
    }
  });

  it("after a rotation signs with the new key and accepts the old key's tokens until they expire", async () => {
    const vault = memoryVault();
    const clock = fixedClock();
    const t = await createTestApp({ vault, clock });
    const operator = await givenOperator(t);
    const before = operator.token;
    const [oldKey] = await vault.read("token");

    clock.advance(60_000);
    const { current } = await rotateTokenKey(vault, clock);
    // The service picks the new key up on restart: a new app over the same database.
    const database = t.database;
    const restarted = createApp(await buildDeps(database, testConfig, { vault, clock }));
    const call = async (token: string) =>
      (
        await restarted.request(`/v1/organizations/${operator.organizationId}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;
    expect(await call(before)).toBe(200);
    const after = await tokenFor({ call: (m, p, o) => callOn(restarted, m, p, o) }, operator.apiKey);
    expect(JSON.parse(Buffer.from(after.split(".")[0] ?? "", "base64url").toString()).kid).toBe(current.jwk.kid);
    const { keys } = await (await restarted.request("/.well-known/jwks.json")).json();
    const bulletinKids = (await vault.read("bulletin")).map((key) => key.jwk.kid);
    expect(keys.map((key: { kid: string }) => key.kid)).toEqual([current.jwk.kid, oldKey?.jwk.kid, ...bulletinKids]);

    // Whoever still holds the retired key cannot mint new tokens with it.
    clock.advance(5_000);
    const now = Math.floor(clock.now().getTime() / 1000);
    const minted = await signAs(oldKey?.jwk as never, oldKey?.jwk.kid, {
      sub: operator.keyId,
      org: operator.organizationId,
      iat: now,
      exp: now + 60,
    });
    expect(await call(minted)).toBe(401);

    // 15 s past the first token's lifetime, 45 s before the second's ends.
    clock.advance(testConfig.LEDGER_TOKEN_TTL_SECONDS * 1000 - 50_000);
    expect(await call(before)).toBe(401);
    expect(await call(after)).toBe(200);

    // A second rotation a day later drops the first key: nothing it signed can still be valid.
    clock.advance(86_401_000);
    await rotateTokenKey(vault, clock);
    expect((await vault.read("token")).map((key) => key.jwk.kid)).toEqual([expect.any(String), current.jwk.kid]);
  });
});

async function callOn(
  app: ReturnType<typeof createApp>,
  method: string,
  path: string,
  options: { body?: unknown } = {},
) {
  const response = await app.request(path, {
    method,
    headers: { "content-type": "application/json" },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}
