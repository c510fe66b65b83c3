import type { OpenAPIHono } from "@hono/zod-openapi";
import { breakdownRoute } from "../../../../contracts/statistics.ts";
import { type BreakdownResult, contractBreakdown } from "../../../domain/statistics/breakdown.ts";
import type { AppEnv } from "../../app-env.ts";
import { toCsv } from "../../csv.ts";
import { breakdownCsvTable, presentBreakdown } from "../../present.ts";

export function registerBreakdown(app: OpenAPIHono<AppEnv>) {
  // The domain hands back the same result object while the ledger head and the day are unchanged,
  // so its rendering is kept beside it and dropped with it, already encoded: a repeated read then
  // writes the same bytes instead of encoding tens of kilobytes of text again.
  const json = new WeakMap<BreakdownResult, Uint8Array<ArrayBuffer>>();
  const csv = new WeakMap<BreakdownResult, Uint8Array<ArrayBuffer>>();
  const encoder = new TextEncoder();
  const render = (
    cache: WeakMap<BreakdownResult, Uint8Array<ArrayBuffer>>,
    result: BreakdownResult,
    make: () => string,
  ) => {
    let bytes = cache.get(result);
    if (bytes === undefined) {
      bytes = encoder.encode(make());
      cache.set(result, bytes);
    }
    return bytes;
  };

  app.openapi(breakdownRoute, async (c) => {
    const result = await contractBreakdown(c.get("deps"), c.req.valid("query"));
    if ((c.req.header("accept") ?? "").includes("text/csv")) {
      const body = render(csv, result, () => {
        const { header, rows } = breakdownCsvTable(result);
        return toCsv(header, rows);
      });
      return c.body(body, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="contracts-${result.from}-${result.to}.csv"`,
      });
    }
    const body = render(json, result, () => JSON.stringify(presentBreakdown(result)));
    return c.body(body, 200, { "Content-Type": "application/json" });
  });
}
