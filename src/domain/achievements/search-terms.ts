/**
 * What the catalogue's `q` means, independent of any search engine: Chinese text is matched by
 * any run of two or more characters, other text by whole words, after NFKC (full-width letters and
 * digits become ASCII) and case folding. Indexed text becomes tokens: each Chinese run as its
 * overlapping pairs of characters (青稞酒 → 青稞 稞酒), each word lower-cased. A query run of n >= 2
 * Chinese characters is then the phrase of its n - 1 pairs, found by an index lookup however short.
 */

const HAN = /\p{Script=Han}/u;
const RUN = /\p{Script=Han}+|[\p{L}\p{N}\p{M}]+/gu;

function runs(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(RUN) ?? [];
}

const pairs = (run: string) => {
  const chars = [...run];
  return chars.slice(1).map((c, i) => `${chars[i]}${c}`);
};

/** The tokens a text is indexed as, space-separated; a lone Chinese character is not indexed. */
export function indexTokens(text: string): string {
  return runs(text)
    .flatMap((run) => (HAN.test(run) ? pairs(run) : [run.replace(/\p{M}/gu, "")]))
    .filter((t) => t !== "")
    .join(" ");
}

export type QueryTerms = { ok: true; phrases: string[][] } | { ok: false; detail: string };

/**
 * A query as phrases of index tokens, all of which must match. Everything else a person may type
 * (quotes, operators, `*`, NEAR, SQL) is punctuation or a plain word here, never syntax.
 */
export function queryTerms(q: string): QueryTerms {
  const phrases: string[][] = [];
  for (const run of runs(q)) {
    if (HAN.test(run)) {
      if ([...run].length < 2) {
        return { ok: false, detail: "a Chinese search term needs at least two characters" };
      }
      phrases.push(pairs(run));
    } else {
      const word = run.replace(/\p{M}/gu, "");
      if (word !== "") phrases.push([word]);
    }
  }
  if (phrases.length === 0) return { ok: false, detail: "must contain a word or at least two Chinese characters" };
  if (phrases.length > 16) return { ok: false, detail: "at most 16 search terms" };
  return { ok: true, phrases };
}
