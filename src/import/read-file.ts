import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { parse } from "csv-parse";
import ExcelJS from "exceljs";

/** A data or header row of an import file: its line (1 = the header) and its cells as text. */
export interface FileRow {
  line: number;
  cells: string[];
}

/** The file's SHA-256, streamed (the audit chain records it with the run). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * The rows of a .csv (UTF-8, with or without a byte-order mark; csv-parse) or .xlsx (its first
 * sheet; ExcelJS's streaming reader), streamed: a million rows are never held at once.
 */
export async function* fileRows(path: string): AsyncGenerator<FileRow> {
  const kind = extname(path).toLowerCase();
  if (kind === ".csv") {
    const parser = createReadStream(path).pipe(
      parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
    );
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: info.lines, cells: record };
    }
    return;
  }
  if (kind === ".xlsx") {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: "cache", worksheets: "emit" });
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        const values = (row.values as unknown[]).slice(1);
        yield { line: row.number, cells: values.map(cellText) };
      }
      return; // the first sheet only
    }
    return;
  }
  throw new Error(`${path}: an import file is .csv or .xlsx`);
}

/** A spreadsheet cell as the text a CSV would hold: dates as YYYY-MM-DD, numbers as written. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    const v = value as { text?: unknown; result?: unknown; richText?: { text: string }[] };
    if (v.richText) return v.richText.map((part) => part.text).join("");
    if (v.result !== undefined) return cellText(v.result);
    if (v.text !== undefined) return String(v.text);
  }
  return String(value);
}
