import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";

/**
 * The public dashboard: progress toward the plan goal and registered volume by year and type,
 * drawn from the public statistics API by a small inline script (no CDN: intranets).
 */
const DASHBOARD_HTML = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>技术市场登记台账 · Technology Market Ledger</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1f24}
h1{font-size:1.5rem;margin-bottom:.25rem}.muted{color:#57606a;font-size:.9rem}
.bar{background:#eaeef2;border-radius:.4rem;height:1.4rem;overflow:hidden;margin:.5rem 0}
.bar>div{background:#1f883d;height:100%}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.75rem;margin:1rem 0}
.figures div{border:1px solid #d0d7de;border-radius:.4rem;padding:.6rem}.figures b{display:block;font-size:1.2rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
</style></head>
<body>
<h1>技术市场登记台账 · Technology Market Ledger</h1>
<p class="muted">Registered technology contracts, net of cancellations and revocations, in China Standard Time.</p>
<section id="goal"><p class="muted">Loading progress…</p></section>
<h2>Registered volume by year and type (yuan)</h2>
<div id="table"><p class="muted">Loading…</p></div>
<p class="muted">Figures are computed from the ledger's registered contracts; operators can verify them against
the audit chain. Registration of a contract or an achievement is a formal review and not proof of ownership.
<a href="/docs">API documentation</a> · <a href="/openapi.json">OpenAPI</a> ·
<a href="/v1/statistics/contracts?groupBy=year,type">JSON</a> · <a href="/healthz">health</a></p>
<script>
const yuan = (s) => Number(s).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
fetch("/v1/statistics/progress").then((r) => r.json()).then((p) => {
  const pct = Math.min(100, Number(p.percent));
  document.getElementById("goal").innerHTML =
    "<h2>" + esc(p.goal.name) + "</h2>" +
    "<div class=bar><div style='width:" + pct + "%'></div></div>" +
    "<div class=figures>" +
    "<div>Cumulative<b>" + yuan(p.cumulativeAmount) + "</b>" + esc(p.percent) + "% of " + yuan(p.goal.targetAmount) + "</div>" +
    "<div>Contracts<b>" + esc(p.contractCount) + "</b>" + esc(p.goal.startsOn) + " – " + esc(p.goal.endsOn) + "</div>" +
    "<div>Run rate per month<b>" + yuan(p.runRatePerMonth) + "</b>last 12 complete months</div>" +
    "<div>" + (p.reachedOn ? "Reached on<b>" + esc(p.reachedOn) + "</b>" : "Projected<b>" + esc(p.projectedReachOn ?? "—") + "</b>remaining " + yuan(p.remainingAmount)) + "</div>" +
    "</div>";
});
// Year totals come from the API too (a cell may be withheld: disclosure control), never summed here.
Promise.all(["year,type", "year"].map((g) => fetch("/v1/statistics/contracts?groupBy=" + g).then((r) => r.json()))).then(([b, byYear]) => {
  const types = [...new Set(b.rows.map((r) => r.type))].sort();
  const years = [...new Set(b.rows.map((r) => r.year))].sort();
  const cell = (y, t) => b.rows.find((r) => r.year === y && r.type === t);
  const shown = (r) => (!r ? "" : r.suppressed ? "<span class=muted title='withheld: too few contracts, or one dominates'>—</span>" : yuan(r.totalAmount));
  let html = "<table><tr><th>Year</th>" + types.map((t) => "<th>" + esc(t) + "</th>").join("") + "<th>Total</th></tr>";
  for (const y of years) {
    html += "<tr><td>" + esc(y) + "</td>" + types.map((t) => "<td>" + shown(cell(y, t)) + "</td>").join("") + "<td>" + shown(byYear.rows.find((r) => r.year === y)) + "</td></tr>";
  }
  html += "<tr><th>Total</th>" + types.map(() => "<th></th>").join("") + "<th>" + shown(b.totals) + "</th></tr></table>";
  document.getElementById("table").innerHTML = b.rows.length ? html : "<p class=muted>No registered contracts yet.</p>";
});
</script>
</body>
</html>`;

export function registerDashboard(app: OpenAPIHono<AppEnv>) {
  app.get("/", (c) => c.html(DASHBOARD_HTML));
}
