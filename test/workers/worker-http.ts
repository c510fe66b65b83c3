import { SELF } from "cloudflare:test";
import { creditCodeCheckCharacter } from "../../contracts/credit-code.ts";

/** A request to the Worker under test, JSON in and out. */
export async function call(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await SELF.fetch(`https://ledger.test${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as any };
}

/** A valid unified social credit code of Lhasa, one per n. */
export const creditCode = (n: number) => {
  const body = `12540102${String(n).padStart(9, "0")}`;
  return body + creditCodeCheckCharacter(body);
};
