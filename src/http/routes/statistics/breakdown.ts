import type { OpenAPIHono } from "@hono/zod-openapi";
import { breakdownRoute } from "../../../../contracts/statistics.ts";
import { contractBreakdown } from "../../../domain/breakdown.ts";
import type { AppEnv } from "../../app-env.ts";
import { toCsv } from "../../csv.ts";
import { breakdownCsvTable, presentBreakdown } from "../../present.ts";

export function registerBreakdown(app: OpenAPIHono<AppEnv>) {
  app.openapi(breakdownRoute, async (c) => {
    const result = await contractBreakdown(c.get("deps"), c.req.valid("query"));
    if ((c.req.header("accept") ?? "").includes("text/csv")) {
      const { header, rows } = breakdownCsvTable(result);
      return c.body(toCsv(header, rows), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="contracts-${result.from}-${result.to}.csv"`,
      }) as never;
    }
    return c.json(presentBreakdown(result), 200);
  });
}
