import { mapInTurns } from "../domain/next-turn.ts";

type Cell = string | number | null;

const cell = (value: Cell) => {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

const line = (row: Cell[]) => row.map(cell).join(",");

const document = (lines: string[]) => `\uFEFF${lines.join("\r\n")}\r\n`;

/** CSV that Excel opens correctly with Chinese text: UTF-8 with a byte-order mark, CRLF lines. */
export function toCsv(header: string[], rows: Cell[][]): string {
  return document([header, ...rows].map(line));
}

/** The same text as toCsv, written a few hundred lines per turn of the event loop (for large answers). */
export async function toCsvInTurns(header: string[], rows: Cell[][]): Promise<string> {
  return document([line(header), ...(await mapInTurns(rows, line))]);
}
