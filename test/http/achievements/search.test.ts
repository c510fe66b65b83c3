import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { CATALOGUE_NOTICE } from "../../../contracts/achievements.ts";
import { indexTokens, queryTerms } from "../../../src/domain/achievements/search-terms.ts";
import { countRows, createTestApp } from "../../support/app.ts";
import { givenRegisteredAchievement, givenSubmittedAchievement } from "../../support/given-achievement.ts";
import { givenRoles } from "../../support/roles.ts";

/** A small catalogue of plateau results, registered, plus one that is only submitted. */
async function catalogue() {
  const t = await createTestApp();
  const roles = await givenRoles(t);
  const add = (title: string, keywords: string[], abstract: string, extra: Record<string, unknown> = {}) =>
    givenRegisteredAchievement(t, roles, { title, keywords, abstract, ...extra });
  const barley = await add("青稞β-葡聚糖提取技术", ["青稞", "葡聚糖"], "高原青稞深加工，提高附加值。");
  const medicine = await add("藏药七十味珍珠丸质量标准研究", ["藏药", "质量标准"], "建立藏药制剂指纹图谱。", {
    techField: "biomedicine",
    kind: "basic_theory",
    transferModes: ["transfer"],
  });
  const solar = await add("高海拔光伏电站运维系统", ["光伏", "运维"], "Photovoltaic O&M for high-altitude plants.", {
    techField: "new_energy",
    stage: "middle",
  });
  const yak = await add(
    "牦牛乳发酵工艺",
    ["牦牛乳", "发酵"],
    "Yak milk fermentation with plateau lactobacillus; 青稞 as a carrier.",
  );
  const hidden = await givenSubmittedAchievement(t, roles, { title: "青稞未登记成果", keywords: ["青稞"] });
  const search = async (query: string) => {
    const response = await t.call("GET", `/v1/achievements?${query}`);
    return { ...response, ids: (response.json?.items ?? []).map((a: { id: string }) => a.id) as string[] };
  };
  return { t, roles, barley, medicine, solar, yak, hidden, search };
}

describe("the public catalogue: search", () => {
  it("finds Chinese text by two, three and four characters, anywhere in title, keywords, abstract", async () => {
    const { search, barley, medicine, yak, solar } = await catalogue();
    expect((await search(`q=${encodeURIComponent("藏药")}`)).ids).toEqual([medicine.id]);
    expect((await search(`q=${encodeURIComponent("光伏")}`)).ids).toEqual([solar.id]);
    expect((await search(`q=${encodeURIComponent("牦牛乳")}`)).ids).toEqual([yak.id]);
    expect((await search(`q=${encodeURIComponent("珍珠丸质")}`)).ids).toEqual([medicine.id]);
    // In an abstract only.
    expect((await search(`q=${encodeURIComponent("指纹图谱")}`)).ids).toEqual([medicine.id]);
    // Two characters across a word boundary of the title are still a substring.
    expect((await search(`q=${encodeURIComponent("乳发")}`)).ids).toEqual([yak.id]);
    // 青稞 is in barley's title and in yak's abstract; the submitted one is not in the catalogue.
    expect(new Set((await search(`q=${encodeURIComponent("青稞")}`)).ids)).toEqual(new Set([barley.id, yak.id]));
  });

  it("ranks a title match above an abstract match", async () => {
    const { search, barley, yak } = await catalogue();
    expect((await search(`q=${encodeURIComponent("青稞")}`)).ids).toEqual([barley.id, yak.id]);
  });

  it("finds English words, whatever their case or width, and mixed queries need every term", async () => {
    const { search, solar, yak } = await catalogue();
    expect((await search("q=photovoltaic")).ids).toEqual([solar.id]);
    expect((await search("q=YAK")).ids).toEqual([yak.id]);
    // Full-width Latin letters (as an IME types them) are the same word.
    expect((await search(`q=${encodeURIComponent("ＹＡＫ")}`)).ids).toEqual([yak.id]);
    expect((await search(`q=${encodeURIComponent("yak 青稞")}`)).ids).toEqual([yak.id]);
    expect((await search(`q=${encodeURIComponent("yak 藏药")}`)).ids).toEqual([]);
    expect((await search(`q=${encodeURIComponent("牦牛乳fermentation")}`)).ids).toEqual([yak.id]);
  });

  it("finds nothing where nothing matches, and never a withdrawn or unregistered result", async () => {
    const { search, hidden } = await catalogue();
    expect((await search(`q=${encodeURIComponent("珠穆朗玛")}`)).json.items).toEqual([]);
    expect((await search(`q=${encodeURIComponent("未登记")}`)).ids).not.toContain(hidden.id);
    expect((await search("q=blockchain")).json).toEqual({ items: [], nextCursor: null, notice: CATALOGUE_NOTICE });
  });

  it("treats FTS syntax and SQL as text: searched literally or refused, never run", async () => {
    const { t, search, solar, yak } = await catalogue();
    for (const q of [
      '"',
      "*",
      "yak*",
      "NEAR(yak milk)",
      "yak OR 藏药",
      "yak AND NOT milk",
      "title:yak",
      "^yak",
      "'; DROP TABLE achievements; --",
      "(",
      'yak"); --',
    ]) {
      const response = await search(`q=${encodeURIComponent(q)}`);
      expect([200, 400], `${q}: ${response.text}`).toContain(response.status);
      if (response.status === 400) expect(response.json.errors[0].pointer).toBe("q");
    }
    // Operators are plain words: "yak OR 藏药" needs both, so nothing matches.
    expect((await search(`q=${encodeURIComponent("yak OR 藏药")}`)).ids).toEqual([]);
    expect((await search(`q=${encodeURIComponent("yak*")}`)).ids).toEqual([yak.id]);
    expect((await search(`q=${encodeURIComponent("NEAR(photovoltaic)")}`)).ids).toEqual([]);
    expect((await search(`q=${encodeURIComponent("high-altitude")}`)).ids).toEqual([solar.id]);
    expect(await countRows(t, "achievements")).toBe(5);
  });

  it("filters by field, stage, kind and transfer mode, with and without a query", async () => {
    const { search, medicine, solar, barley, yak } = await catalogue();
    expect((await search("techField=biomedicine")).ids).toEqual([medicine.id]);
    expect((await search("stage=middle")).ids).toEqual([solar.id]);
    expect((await search("kind=basic_theory")).ids).toEqual([medicine.id]);
    expect((await search("transferMode=transfer")).ids).toEqual([medicine.id]);
    expect((await search(`q=${encodeURIComponent("青稞")}&techField=agriculture&stage=mature`)).ids).toEqual([
      barley.id,
      yak.id,
    ]);
    // Without q, newest first.
    expect((await search("")).ids).toEqual([yak.id, solar.id, medicine.id, barley.id]);
  });

  it("pages a ranked search and the newest-first list with cursors, no item twice", async () => {
    const { search } = await catalogue();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search(`q=${encodeURIComponent("青稞")}&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.ids);
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(2);
    const all: string[] = [];
    cursor = null;
    do {
      const page = await search(`limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      all.push(...page.ids);
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(4);
  });

  it("two-character queries are answered from the index, not by scanning", async () => {
    const { t } = await catalogue();
    const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN
      SELECT rowid FROM achievement_catalogue
      WHERE achievement_catalogue MATCH '"青稞"' ORDER BY rank LIMIT 20`.execute(t.database.db);
    const details = plan.rows.map((r) => r.detail).join("\n");
    expect(details).toMatch(/VIRTUAL TABLE INDEX/);
  });
});

describe("search terms", () => {
  it("index Chinese runs as overlapping pairs and other text as folded words", () => {
    expect(indexTokens("青稞酒 Yak-Milk")).toBe("青稞 稞酒 yak milk");
    expect(indexTokens("ＡＢＣ１２３")).toBe("abc123");
    expect(indexTokens("藏")).toBe("");
  });

  it("turn a query into phrases, refusing a lone Chinese character and an empty query", () => {
    expect(queryTerms("青稞酒 yak")).toEqual({ ok: true, phrases: [["青稞", "稞酒"], ["yak"]] });
    expect(queryTerms("藏").ok).toBe(false);
    expect(queryTerms('"*()').ok).toBe(false);
  });
});
