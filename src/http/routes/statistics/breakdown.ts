import type { OpenAPIHono } from "@hono/zod-openapi";
import { breakdownRoute } from "../../../../contracts/statistics.ts";
import { mapInTurns, stringifyInTurns, turnYielder } from "../../../domain/next-turn.ts";
import { type BreakdownResult, contractBreakdown } from "../../../domain/statistics/breakdown.ts";
import { audienceOf } from "../../../domain/statistics/disclosure.ts";
import type { AppEnv } from "../../app-env.ts";
import { toCsvInTurns } from "../../csv.ts";
import { breakdownCsvTable, presentBreakdown, presentBreakdownRow } from "../../present.ts";

export function registerBreakdown(app: OpenAPIHono<AppEnv>) {
  // The domain hands back the same result object while the ledger head and the day are unchanged,
  // so its rendering is kept beside it and dropped with it, already encoded: a repeated read then
  // writes the same bytes instead of encoding tens of kilobytes of text again. An answer may hold
  // 10,000 rows (2 MB of JSON), so it is written a few hundred rows per turn of the event loop.
  const json = new WeakMap<BreakdownResult, Uint8Array<ArrayBuffer>>();
  const csv = new WeakMap<BreakdownResult, Uint8Array<ArrayBuffer>>();
  const encoder = new TextEncoder();
  // Rendering takes the same turns as computing (deps.serialReads): several large answers written
  // at once would each take their slice of every turn of the event loop, one after another.
  const render = async (
    cache: WeakMap<BreakdownResult, Uint8Array<ArrayBuffer>>,
    result: BreakdownResult,
    deps: AppEnv["Variables"]["deps"],
    make: () => Promise<string>,
  ) => {
    let bytes = cache.get(result);
    if (bytes === undefined) {
      const text = await (deps.serialReads ? deps.serialReads(make) : make());
      bytes = encoder.encode(text);
      cache.set(result, bytes);
    }
    return bytes;
  };

  app.openapi(breakdownRoute, async (c) => {
    const deps = c.get("deps");
    const result = await contractBreakdown(deps, { ...c.req.valid("query"), audience: audienceOf(c.get("caller")) });
    if ((c.req.header("accept") ?? "").includes("text/csv")) {
      const body = await render(csv, result, deps, () => {
        const { header, rows } = breakdownCsvTable(result);
        return toCsvInTurns(header, rows);
      });
      return c.body(body, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="contracts-${result.from}-${result.to}.csv"`,
      });
    }
    const body = await render(json, result, deps, async () => {
      const yieldTurn = turnYielder();
      const rows = await mapInTurns(result.rows, presentBreakdownRow, yieldTurn);
      return (await stringifyInTurns({ ...presentBreakdown({ ...result, rows: [] }), rows }, yieldTurn)) ?? "";
    });
    return c.body(body, 200, { "Content-Type": "application/json" });
  });
}
