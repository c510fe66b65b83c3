import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";

/** A file or URL that cannot be read or parsed: a user's error, reported in one line. */
export class SourceError extends Error {}

const isUrl = (source: string) => /^https?:\/\//.test(source);

/** The text of a file or an http(s) URL. */
export async function readSource(source: string): Promise<string> {
  try {
    if (!isUrl(source)) return await readFile(source, "utf8");
    const response = await fetch(source);
    if (!response.ok) throw new SourceError(`${source} answered ${response.status}`);
    return await response.text();
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(`${source} cannot be read: ${(error as Error).message}`);
  }
}

/** The JSON of a file or URL. */
export async function readJson(source: string): Promise<unknown> {
  const text = await readSource(source);
  try {
    return JSON.parse(text);
  } catch {
    throw new SourceError(`${source} is not JSON`);
  }
}

/** A file's or URL's lines, streamed: an export of a million leaves is never held whole. */
export async function* sourceLines(source: string): AsyncGenerator<string> {
  let input: NodeJS.ReadableStream;
  if (isUrl(source)) {
    const response = await fetch(source);
    if (!response.ok || !response.body) throw new SourceError(`${source} answered ${response.status}`);
    input = Readable.fromWeb(response.body as never);
  } else {
    input = createReadStream(source, { encoding: "utf8" });
  }
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) yield line;
}

/** The JWKS a bulletin fetched from a URL names by default: its origin's /.well-known/jwks.json. */
export function defaultJwks(bulletin: string): string | undefined {
  return isUrl(bulletin) ? new URL("/.well-known/jwks.json", bulletin).href : undefined;
}
