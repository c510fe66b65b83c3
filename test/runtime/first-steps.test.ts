import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const between = (text: string, start: string, end: string) => {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from < 0 || to < 0) throw new Error(`no ${start} ... ${end}`);
  return text.slice(from + start.length, to);
};

describe("the README's first steps", () => {
  it("are examples/first-steps.sh line for line (CI runs the script against a started service)", () => {
    const readme = readFileSync("README.md", "utf8");
    const script = readFileSync("examples/first-steps.sh", "utf8");
    const shown = between(between(readme, "## First steps", "\n## "), "```sh\n", "```");
    expect(shown).toBe(between(script, "# >>> first steps\n", "# <<< first steps"));
    expect(JSON.parse(readFileSync("examples/contract.json", "utf8")).seller).toEqual({ organizationId: "ORG_ID" });
  });
});
