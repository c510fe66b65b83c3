import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { compiledOnce, rowsOf } from "../../db/stores/compiled-once.ts";

async function database() {
  const database = openSqlite(":memory:");
  await migrate(database);
  const rows: [string, string, string][] = [
    ["org_a", "Alpha", "member"],
    ["org_b", "Beta", "member"],
    ["org_c", "Gamma", "operator"],
  ];
  for (const [id, name, role] of rows) {
    await database.batch([
      database.db
        .insertInto("organizations")
        .values({ id, name, kind: "university", role, credit_code: id, region_code: "540102", created_at: "x" })
        .compile(),
    ]);
  }
  return database;
}

describe("compiledOnce", () => {
  it("binds each call's arguments and keeps the values the builder fixed", async () => {
    const { db } = await database();
    let builds = 0;
    const query = compiledOnce((db, role: string, after: string) => {
      builds++;
      return db
        .selectFrom("organizations")
        .select("id")
        .where("role", "=", role)
        .where("id", ">", after)
        .orderBy("id")
        .limit(1);
    });
    expect((await rowsOf(db, query(db, "member", ""))).map((r) => r.id)).toEqual(["org_a"]);
    expect((await rowsOf(db, query(db, "member", "org_a"))).map((r) => r.id)).toEqual(["org_b"]);
    expect((await rowsOf(db, query(db, "operator", ""))).map((r) => r.id)).toEqual(["org_c"]);
    expect(await rowsOf(db, query(db, "member", "org_b"))).toEqual([]);
    expect(builds).toBe(1);
    const compiled = query(db, "member", "org_a");
    expect(compiled.parameters).toEqual(["member", "org_a", 1]);
  });

  it("an argument used twice is bound in both places", async () => {
    const { db } = await database();
    const query = compiledOnce((db, id: string) =>
      db.selectFrom("organizations").select("id").where("id", "=", id).where("credit_code", "=", id),
    );
    expect((await rowsOf(db, query(db, "org_b"))).map((r) => r.id)).toEqual(["org_b"]);
  });

  it("refuses a builder that inlines an argument or leaves one out", async () => {
    const { db } = await database();
    const inlined = compiledOnce((db, id: string) =>
      db.selectFrom("organizations").select("id").where("id", "=", sql.lit(id)),
    );
    expect(() => inlined(db, "org_a")).toThrow(/argument 0 is not a bound parameter/);
    const unused = compiledOnce((db, _id: string) => db.selectFrom("organizations").select("id"));
    expect(() => unused(db, "org_a")).toThrow(/argument 0 is not a bound parameter/);
    const alsoInlined = compiledOnce((db, id: string) =>
      db.selectFrom("organizations").select("id").where("id", "=", id).where("name", "=", sql.lit(id)),
    );
    expect(() => alsoInlined(db, "org_a")).toThrow(/argument 0 is inlined/);
    const made = compiledOnce((db, id: string) =>
      db.selectFrom("organizations").select("id").where("id", "=", id).where("name", "like", `${id}%`),
    );
    expect(() => made(db, "org_a")).toThrow(/made from argument 0/);
  });
});
