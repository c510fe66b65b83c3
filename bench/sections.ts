import { existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Puts `section` (starting with its `## ` heading) into BENCHMARKS.md: in place of the section of
 * the same heading, up to the next heading, or at the end. The other benchmarks' sections stay.
 */
export function writeSection(section: string) {
  const header = section.slice(0, section.indexOf("\n"));
  const previous = existsSync("BENCHMARKS.md") ? readFileSync("BENCHMARKS.md", "utf8") : "# Benchmarks\n";
  const at = previous.indexOf(header);
  const next = at >= 0 ? previous.indexOf("\n## ", at + header.length) : -1;
  const updated =
    at < 0
      ? `${previous.trimEnd()}\n\n${section}`
      : `${previous.slice(0, at)}${section}${next >= 0 ? `\n${previous.slice(next + 1)}` : ""}`;
  writeFileSync("BENCHMARKS.md", updated);
}
