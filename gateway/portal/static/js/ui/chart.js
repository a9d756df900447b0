// Charts: the vendored Chart.js 4 (UMD, sets window.Chart) loaded on demand with a
// <script src> (CSP 'self', no inline script), so it costs nothing on other screens. Every
// chart carries a table of the same numbers: hidden on screen but read by screen readers,
// shown with its toggle. Labels come from the caller already in the user's language;
// money is formatted with i18n money().
//
// A chart spec: {kind: "bar"|"line"|"hbar"|"stacked"|"hstacked", labels: [...],
//   series: [{label, values: [...], money?: bool, tableOnly?: bool (in the table, not drawn)}],
//   hrefs?: [...] (one per label: opens the list behind it), totals?: bool (a totals row)}
import { html, useEffect, useRef, useState } from "../lib.js";
import { decimal, money, number, t } from "../i18n.js";

export const CHART_SRC = "/portal/vendor/chart.umd.min.js";
let loading = null;

/** window.Chart, loading the vendored file once. */
export function loadChartJs(doc = globalThis.document) {
  if (globalThis.Chart) return Promise.resolve(globalThis.Chart);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = doc.createElement("script");
      script.src = CHART_SRC;
      script.async = true;
      script.onload = () => (globalThis.Chart ? resolve(globalThis.Chart) : reject(new Error("chart")));
      script.onerror = () => {
        loading = null;
        script.remove();
        reject(new Error("chart"));
      };
      doc.head.append(script);
    });
  }
  return loading;
}

/** A value as the table shows it: money in the user's words, counts as numbers. */
export function cellText(value, isMoney) {
  if (value === null || value === undefined || value === "") return "—";
  return isMoney ? money(value) : number(value);
}

/** The data table of a spec: {head: [corner, ...series labels], rows: [[label, ...cells]], totals?}. */
export function chartTable(spec, { corner = "", withTotals = false } = {}) {
  const head = [corner, ...spec.series.map((s) => s.label)];
  const rows = spec.labels.map((lbl, i) => [String(lbl), ...spec.series.map((s) => cellText(s.values[i], s.money))]);
  const out = { head, rows };
  if (withTotals && spec.labels.length > 1) {
    out.totals = [t("chart.total"), ...spec.series.map((s) => cellText(sumValues(s.values, s.money), s.money))];
  }
  return out;
}

/** Sum decimal strings exactly (cents as BigInt), or plain numbers. */
export function sumValues(values, isMoney) {
  if (!isMoney) return values.reduce((a, v) => a + Number(v || 0), 0);
  let cents = 0n;
  for (const v of values) {
    const text = decimal(v ?? 0, 2).replace(/,/g, "");
    const negative = text.startsWith("-");
    const [whole, frac] = (negative ? text.slice(1) : text).split(".");
    const c = BigInt(whole || "0") * 100n + BigInt(frac || "0");
    cents += negative ? -c : c;
  }
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** Whether a spec has anything to draw. */
export function isEmpty(spec) {
  return !spec.labels.length || spec.series.filter((s) => !s.tableOnly).every((s) => s.values.every((v) => !Number(v)));
}

/** The value axis: whole yuan for money (¥12,000), whole numbers for counts. */
export function valueTicks(isMoney) {
  return isMoney ? { callback: (v) => money(String(Math.round(v))).replace(/\.00$/, "") } : { precision: 0 };
}

const COLOURS = ["#2563eb", "#94a3b8", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2"];

/** The Chart.js configuration of a spec (numbers parsed from the API's decimal strings). */
export function chartConfig(spec, onPick) {
  const horizontal = spec.kind === "hbar" || spec.kind === "hstacked";
  const stacked = spec.kind === "stacked" || spec.kind === "hstacked";
  const type = spec.kind === "line" ? "line" : "bar";
  const drawn = spec.series.filter((s) => !s.tableOnly);
  const anyMoney = drawn.some((s) => s.money);
  const valueAxis = horizontal ? "x" : "y";
  return {
    type,
    data: {
      labels: spec.labels.map(String),
      datasets: spec.series.filter((s) => !s.tableOnly).map((s, i) => ({
        label: s.label, data: s.values.map((v) => Number(v || 0)),
        backgroundColor: s.colour || COLOURS[i % COLOURS.length], borderColor: s.colour || COLOURS[i % COLOURS.length],
        tension: 0.25, fill: false,
      })),
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false, indexAxis: horizontal ? "y" : "x",
      plugins: {
        legend: { display: drawn.length > 1, position: "bottom" },
        tooltip: { callbacks: { label: (ctx) => {
          const s = spec.series.filter((x) => !x.tableOnly)[ctx.datasetIndex];
          return `${s.label}: ${cellText(s.values[ctx.dataIndex], s.money)}`;
        } } },
      },
      scales: {
        x: { stacked, beginAtZero: true, ticks: valueAxis === "x" ? valueTicks(anyMoney) : {} },
        y: { stacked, beginAtZero: true, ticks: valueAxis === "y" ? valueTicks(anyMoney) : {} },
      },
      onClick: (event, elements) => {
        if (elements && elements.length && onPick) onPick(elements[0].index);
      },
      onHover: (event, elements) => {
        if (event.native && event.native.target) event.native.target.style.cursor = elements.length && spec.hrefs ? "pointer" : "default";
      },
    },
  };
}

/** The numbers of a chart as a table (screen readers always; everyone with the toggle). */
export function ChartTable({ spec, caption, corner, visible, id }) {
  const table = chartTable(spec, { corner, withTotals: spec.totals });
  return html`<div class=${visible ? "chart-table" : "chart-table sr-only"} id=${id}>
    <table class="list" data-chart-table>
      <caption class="sr-only">${caption}</caption>
      <thead><tr>${table.head.map((h, i) => html`<th scope="col" class=${i ? "num" : ""}>${h}</th>`)}</tr></thead>
      <tbody>${table.rows.map((row, r) => html`<tr>${row.map((c, i) => (i === 0
        ? html`<th scope="row">${spec.hrefs && spec.hrefs[r] ? html`<a href=${spec.hrefs[r]}>${c}</a>` : c}</th>`
        : html`<td class="num">${c}</td>`))}</tr>`)}</tbody>
      ${table.totals && html`<tfoot><tr>${table.totals.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td class="num">${c}</td>`))}</tr></tfoot>`}
    </table>
  </div>`;
}

/** A chart with its table: the canvas is labelled, a click on a bar/point opens spec.hrefs[i]. */
export function Chart({ spec, caption, corner, tall = false, onReady }) {
  const canvas = useRef(null);
  const [showTable, setShowTable] = useState(false);
  const [failed, setFailed] = useState(false);
  const tableId = useRef(`chart-table-${Math.random().toString(36).slice(2, 9)}`).current;
  const empty = isEmpty(spec);
  useEffect(() => {
    if (empty) {
      if (onReady) onReady();
      return undefined;
    }
    let chart = null;
    let live = true;
    loadChartJs().then((ChartJs) => {
      if (!live || !canvas.current) return;
      const pick = (i) => {
        if (spec.hrefs && spec.hrefs[i]) location.hash = spec.hrefs[i];
      };
      chart = new ChartJs(canvas.current, chartConfig(spec, pick));
      if (onReady) onReady();
    }).catch(() => {
      if (live) {
        setFailed(true);
        setShowTable(true);
        if (onReady) onReady();
      }
    });
    return () => {
      live = false;
      if (chart) chart.destroy();
    };
  }, [JSON.stringify(spec)]);
  if (empty) {
    return html`<div class="chart-empty muted">${t("chart.no_data")}
      <${ChartTable} spec=${spec} caption=${caption} corner=${corner} visible=${false} id=${tableId} /></div>`;
  }
  return html`<div class="chart">
    ${!failed && html`<div class=${tall ? "chart-canvas tall" : "chart-canvas"}>
      <canvas ref=${canvas} role="img" aria-label=${caption} aria-describedby=${tableId}></canvas>
    </div>`}
    ${failed && html`<p class="muted">${t("chart.failed")}</p>`}
    <button type="button" class="link chart-toggle" aria-expanded=${showTable ? "true" : "false"} aria-controls=${tableId}
      onClick=${() => setShowTable(!showTable)}>${showTable ? t("chart.hide_table") : t("chart.show_table")}</button>
    <${ChartTable} spec=${spec} caption=${caption} corner=${corner} visible=${showTable} id=${tableId} />
  </div>`;
}
