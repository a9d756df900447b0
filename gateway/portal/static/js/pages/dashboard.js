// The dashboard (reps, managers, admins): sales by month against last year, the funnel,
// rep performance, top products, customer trend, receivables ageing, expenses per rep and
// per customer, profit per customer. Each chart shows only what the API lets the caller see
// (a rep's own numbers, a manager's team, admin all), opens the list behind it, has its
// numbers as a table and exports to CSV / XLSX (the report endpoints' format=).
// performance.mark("dashboard-ready") once every chart is drawn (bench/dashboard.py).
// Where the instance receives more than one region (head office), admins and managers get a
// region filter (every report narrows to it) and a chart comparing the regions.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api, download } from "../api.js";
import { errorText, label, lang, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/manage.js";
import competitorsCat from "../i18n/competitors.js";
import { setQuery } from "../router.js";
import { TeamSelect, hasTeam } from "../team.js";
import { Chart, loadChartJs } from "../ui/chart.js";
import { toast } from "../ui/feedback.js";
import { PageHeader } from "../ui/page.js";
import { useStylesheet } from "../ui/styles.js";

mergeCatalogues(cat);
mergeCatalogues(competitorsCat);

const STAGES = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"];
const BUCKETS = ["days_0_30", "days_31_60", "days_61_90", "days_over_90"];
const TOP = 10;

function iso(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The dashboard's period: from / to in the address, else this year up to today. */
export function period(query, today = new Date()) {
  const to = /^\d{4}-\d{2}-\d{2}$/.test(query.to || "") ? query.to : iso(today);
  const from = /^\d{4}-\d{2}-\d{2}$/.test(query.from || "") ? query.from : `${to.slice(0, 4)}-01-01`;
  return { from, to };
}

/** "2026-03" in the user's words (3月 / Mar). */
export function monthName(month) {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(lang() === "en" ? "en-US" : "zh-CN", { month: "short" }).format(new Date(y, m - 1, 1));
}

function withOwner(href, owner, name = "owner_id") {
  if (!owner) return href;
  return `${href}${href.includes("?") ? "&" : "?"}${name}=${encodeURIComponent(owner)}`;
}

/** Every report of the dashboard: where its numbers come from and how they are drawn. */
export function reports(ctx) {
  const { from, to, owner, granularity, region = "", compareRegions = false } = ctx;
  const range = { from, to, owner_id: owner, region: region || undefined };
  const year = Number(to.slice(0, 4));
  const byRegion = {
    key: "regions", title: t("dash.by_region"), path: "/reports/regions", query: { from, to }, wide: true,
    list: "#/orders",
    spec: (d) => ({
      kind: "bar", labels: d.items.map((i) => i.region || t("dash.unknown_region")),
      series: [
        { label: t("dash.revenue"), values: d.items.map((i) => i.revenue), money: true },
        { label: t("dash.paid"), values: d.items.map((i) => i.paid), money: true },
        { label: t("dash.outstanding"), values: d.items.map((i) => i.outstanding), money: true },
        { label: t("dash.pipeline"), values: d.items.map((i) => i.pipeline), money: true, tableOnly: true },
        { label: t("dash.orders"), values: d.items.map((i) => i.orders), tableOnly: true },
      ],
      hrefs: d.items.map((i) => `#/dashboard?region=${encodeURIComponent(i.region || "")}`), totals: true,
    }),
    corner: t("dash.region"),
  };
  return [...(compareRegions ? [byRegion] : []),
    {
      key: "sales-by-month", title: t("dash.sales_by_month"), path: "/reports/sales-by-month",
      query: { year, owner_id: owner, region: region || undefined }, wide: true, list: withOwner("#/orders", owner),
      spec: (d) => ({
        kind: "bar", labels: d.items.map((i) => monthName(i.month)),
        series: [
          { label: t("dash.year_revenue", { year }), values: d.items.map((i) => i.revenue), money: true },
          { label: t("dash.year_revenue", { year: year - 1 }), values: d.items.map((i) => i.previous_revenue), money: true },
          { label: t("dash.year_orders", { year }), values: d.items.map((i) => i.orders), tableOnly: true },
          { label: t("dash.year_orders", { year: year - 1 }), values: d.items.map((i) => i.previous_orders), tableOnly: true },
        ],
        hrefs: d.items.map(() => withOwner("#/orders", owner)), totals: true,
      }),
      corner: t("dash.month"),
    },
    {
      key: "funnel", title: t("dash.funnel"), path: "/reports/funnel", query: range,
      list: withOwner("#/pipeline", owner),
      spec: (d) => ({
        kind: "hbar",
        labels: d.items.map((i) => (i.stage === "leads" ? t("dash.leads") : i.stage === "converted" ? t("dash.converted") : label("stage", i.stage))),
        series: [
          { label: t("dash.count"), values: d.items.map((i) => i.count) },
          { label: t("dash.amount"), values: d.items.map((i) => i.amount ?? ""), money: true, tableOnly: true },
        ],
        hrefs: d.items.map((i) => (STAGES.includes(i.stage)
          ? withOwner(`#/opportunities?stage=${i.stage}`, owner) : withOwner("#/leads", owner))),
      }),
      corner: t("dash.stage"),
    },
    {
      key: "losses-by-competitor", title: t("losses.title"), path: "/reports/losses-by-competitor",
      query: { ...range, per_page: TOP }, list: withOwner("#/opportunities?stage=lost", owner),
      spec: (d) => ({
        kind: "hbar", labels: d.items.map((i) => i.name || t("losses.competitor")),
        series: [
          { label: t("losses.lost"), values: d.items.map((i) => i.lost) },
          { label: t("losses.amount"), values: d.items.map((i) => i.amount), money: true, tableOnly: true },
        ],
        hrefs: d.items.map(() => withOwner("#/opportunities?stage=lost", owner)),
      }),
      corner: t("losses.competitor"),
    },
    {
      key: "sales-performance", title: t("dash.rep_performance"), path: "/reports/sales-performance",
      query: { ...range, per_page: 20 }, list: withOwner("#/orders", owner),
      spec: (d) => ({
        kind: "bar", labels: d.items.map((i) => i.owner_name || t("dash.unknown_rep")),
        series: [
          { label: t("dash.revenue"), values: d.items.map((i) => i.revenue), money: true },
          { label: t("dash.paid"), values: d.items.map((i) => i.paid), money: true },
          { label: t("dash.orders"), values: d.items.map((i) => i.orders), tableOnly: true },
        ],
        hrefs: d.items.map((i) => `#/orders?owner_id=${i.owner_id}`), totals: true,
      }),
      corner: t("dash.rep"),
    },
    {
      key: "product-sales", title: t("dash.top_products"), path: "/reports/product-sales",
      query: { ...range, per_page: TOP }, list: "#/products",
      spec: (d) => ({
        kind: "hbar", labels: d.items.map((i) => i.name || i.sku || t("dash.unknown_product")),
        series: [
          { label: t("dash.revenue"), values: d.items.map((i) => i.revenue), money: true },
          { label: t("dash.quantity"), values: d.items.map((i) => i.quantity), tableOnly: true },
        ],
        hrefs: d.items.map((i) => `#/products/${i.product_id}`),
      }),
      corner: t("dash.product"),
    },
    {
      key: "sales-by-industry", title: t("dash.by_industry"), path: "/reports/sales-by-industry",
      query: { ...range, per_page: TOP }, list: withOwner("#/customers", owner),
      spec: (d) => ({
        kind: "hbar", labels: d.items.map((i) => i.industry || t("dash.unknown_industry")),
        series: [
          { label: t("dash.revenue"), values: d.items.map((i) => i.revenue), money: true },
          { label: t("dash.paid"), values: d.items.map((i) => i.paid), money: true, tableOnly: true },
          { label: t("dash.orders"), values: d.items.map((i) => i.orders), tableOnly: true },
          { label: t("dash.customers"), values: d.items.map((i) => i.customers), tableOnly: true },
        ],
        hrefs: d.items.map((i) => (i.industry
          ? withOwner(`#/customers?industry=${encodeURIComponent(i.industry)}`, owner) : withOwner("#/customers", owner))),
      }),
      corner: t("dash.industry"),
    },
    {
      key: "receivables-ageing", title: t("dash.ageing"), path: "/reports/receivables-ageing",
      query: { owner_id: owner, region: region || undefined, per_page: 20 }, list: withOwner("#/customers", owner),
      spec: (d) => ({
        kind: "hstacked", labels: d.items.map((i) => i.owner_name || t("dash.unknown_rep")),
        series: BUCKETS.map((b) => ({ label: t(`dash.${b}`), values: d.items.map((i) => i[b]), money: true })),
        hrefs: d.items.map((i) => `#/customers?owner_id=${i.owner_id}`), totals: true,
      }),
      corner: t("dash.rep"),
    },
    {
      key: "customer-trend", title: t("dash.customer_trend"), path: "/reports/customer-trend",
      query: { granularity, owner_id: owner, region: region || undefined, ...(granularity === "month" ? { from, to } : {}) },
      list: withOwner("#/customers", owner), granularity: true, wide: true,
      spec: (d) => ({
        kind: "line", labels: d.items.map((i) => (granularity === "month" ? monthName(i.period) : i.period)),
        series: [
          { label: t("dash.new"), values: d.items.map((i) => i.new) },
          { label: t("dash.active"), values: d.items.map((i) => i.active) },
          { label: t("dash.lost"), values: d.items.map((i) => i.lost) },
        ],
        hrefs: d.items.map(() => withOwner("#/customers", owner)),
      }),
      corner: t("dash.period"),
    },
    {
      key: "expenses-rep", title: t("dash.expenses_by_rep"), path: "/reports/expenses",
      query: { ...range, group: "submitter", per_page: 20 }, list: withOwner("#/expenses", owner, "submitter_id"),
      spec: (d) => ({
        kind: "bar", labels: d.items.map((i) => i.submitter_name || t("dash.unknown_rep")),
        series: [
          { label: t("dash.claimed"), values: d.items.map((i) => i.claimed), money: true },
          { label: t("dash.approved"), values: d.items.map((i) => i.approved), money: true },
          { label: t("dash.paid_expenses"), values: d.items.map((i) => i.paid), money: true },
        ],
        hrefs: d.items.map((i) => `#/expenses?submitter_id=${i.submitter_id}`), totals: true,
      }),
      corner: t("dash.rep"),
    },
    {
      key: "expenses-customer", title: t("dash.expenses_by_customer"), path: "/reports/expenses",
      query: { ...range, group: "customer", per_page: TOP }, list: withOwner("#/expenses", owner, "submitter_id"),
      spec: (d) => ({
        kind: "hbar", labels: d.items.map((i) => i.name || t("dash.unknown_customer")),
        series: [
          { label: t("dash.claimed"), values: d.items.map((i) => i.claimed), money: true },
          { label: t("dash.approved"), values: d.items.map((i) => i.approved), money: true },
        ],
        hrefs: d.items.map((i) => `#/customers/${i.customer_id}`),
      }),
      corner: t("dash.customer"),
    },
    {
      key: "profit", title: t("dash.profit"), path: "/reports/profit",
      query: { ...range, per_page: TOP }, list: withOwner("#/customers", owner), wide: true,
      spec: (d) => {
        const withCost = d.items.some((i) => i.profit !== undefined);
        return {
          kind: "hbar", labels: d.items.map((i) => i.name || t("dash.unknown_customer")),
          series: withCost
            ? [{ label: t("dash.profit_amount"), values: d.items.map((i) => i.profit), money: true },
              { label: t("dash.revenue_net"), values: d.items.map((i) => i.revenue), money: true, tableOnly: true },
              { label: t("dash.cost"), values: d.items.map((i) => i.cost_of_goods), money: true, tableOnly: true },
              { label: t("dash.expenses"), values: d.items.map((i) => i.expenses), money: true, tableOnly: true }]
            : [{ label: t("dash.revenue_net"), values: d.items.map((i) => i.revenue), money: true },
              { label: t("dash.expenses"), values: d.items.map((i) => i.expenses), money: true }],
          hrefs: d.items.map((i) => `#/customers/${i.customer_id}`),
        };
      },
      corner: t("dash.customer"),
    },
  ];
}

function ReportCard({ report, granularity, onReady }) {
  const [state, setState] = useState({ data: null, error: null });
  const key = JSON.stringify([report.path, report.query]);
  useEffect(() => {
    let live = true;
    setState({ data: null, error: null });
    api.get(report.path, report.query).then((data) => live && setState({ data, error: null }))
      .catch((error) => {
        if (!live) return;
        setState({ data: null, error });
        onReady(report.key);
      });
    return () => {
      live = false;
    };
  }, [key]);
  const exportAs = (format) => download(report.path, { ...report.query, page: undefined, per_page: undefined, format },
    `${report.key}.${format}`).catch((e) => toast(errorText(e), "error"));
  const headingId = `dash-${report.key}`;
  return html`<section class=${report.wide ? "dash-card wide" : "dash-card"} aria-labelledby=${headingId} data-report=${report.key}>
    <header class="dash-card-head">
      <h2 id=${headingId}><a href=${report.list}>${report.title}</a></h2>
      <div class="dash-card-tools">
        ${report.granularity && html`<label class="sr-only" for="dash-granularity">${t("dash.granularity")}</label>
          <select id="dash-granularity" value=${granularity} onChange=${(e) => setQuery({ granularity: e.target.value === "month" ? "" : e.target.value })}>
            ${["month", "quarter", "year"].map((g) => html`<option value=${g}>${t(`dash.by_${g}`)}</option>`)}
          </select>`}
        <button type="button" class="small" onClick=${() => exportAs("csv")} aria-label=${`${t("action.export_csv")}: ${report.title}`}>CSV</button>
        <button type="button" class="small" onClick=${() => exportAs("xlsx")} aria-label=${`${t("action.export_xlsx")}: ${report.title}`}>Excel</button>
      </div>
    </header>
    ${state.error && html`<p class="form-error" role="alert">${errorText(state.error)}</p>`}
    ${!state.data && !state.error && html`<p class="muted loading">${t("app.loading")}</p>`}
    ${state.data && html`<${Chart} spec=${report.spec(state.data)} caption=${report.title} corner=${report.corner}
      tall=${!!report.wide} onReady=${() => onReady(report.key)} />`}
  </section>`;
}

function Filters({ from, to, owner, user, region, regions }) {
  return html`<form class="dash-filters" onSubmit=${(e) => e.preventDefault()}>
    <div class="filter"><label for="dash-from">${t("dash.from")}</label>
      <input id="dash-from" type="date" value=${from} max=${to} onChange=${(e) => e.target.value && setQuery({ from: e.target.value })} /></div>
    <div class="filter"><label for="dash-to">${t("dash.to")}</label>
      <input id="dash-to" type="date" value=${to} min=${from} onChange=${(e) => e.target.value && setQuery({ to: e.target.value })} /></div>
    ${hasTeam(user) && html`<div class="filter"><label for="dash-rep">${t("dash.rep")}</label>
      <${TeamSelect} id="dash-rep" value=${owner} change=${(v) => setQuery({ owner_id: v })} user=${user}
        anyLabel=${user.role === "admin" ? t("dash.everyone") : t("dash.my_team")} /></div>`}
    ${regions.length > 1 && html`<div class="filter"><label for="dash-region">${t("dash.region")}</label>
      <select id="dash-region" value=${region} onChange=${(e) => setQuery({ region: e.target.value })}>
        <option value="">${t("dash.all_regions")}</option>
        ${regions.map((r) => html`<option value=${r}>${r}</option>`)}
      </select></div>`}
    <button type="button" class="link" onClick=${() => setQuery({ from: "", to: "", owner_id: "", region: "" })}>${t("dash.this_year")}</button>
  </form>`;
}

export default function Dashboard({ query, user }) {
  useStylesheet("/portal/manage.css");
  const { from, to } = period(query);
  const owner = hasTeam(user) ? query.owner_id || "" : "";
  const granularity = ["quarter", "year"].includes(query.granularity) ? query.granularity : "month";
  // the regions this reader sees orders or pipeline in (head office: its branches too)
  const [regions, setRegions] = useState([]);
  const compares = ["admin", "manager"].includes(user.role);
  useEffect(() => {
    if (!compares) return;
    api.get("/reports/regions").then((d) => setRegions(d.items.map((i) => i.region).filter(Boolean))).catch(() => {});
  }, [user.id]);
  const region = regions.length > 1 ? query.region || "" : "";
  const list = reports({ from, to, owner, granularity, region, compareRegions: regions.length > 1 });
  useEffect(() => {
    loadChartJs().catch(() => {});  // fetched while the reports are on their way
  }, []);
  const ready = useRef(new Set());
  const [allReady, setAllReady] = useState(false);
  const signature = JSON.stringify([from, to, owner, granularity, region]);
  useEffect(() => {
    ready.current = new Set();
    setAllReady(false);
    performance.mark("dashboard-start");
  }, [signature]);
  const onReady = (key) => {
    ready.current.add(key);
    if (ready.current.size === list.length && !allReady) {
      performance.mark("dashboard-ready");
      setAllReady(true);
    }
  };
  const scope = user.role === "admin" ? t("dash.scope_all") : user.role === "manager" ? t("dash.scope_team") : t("dash.scope_mine");
  return html`<section class="dashboard" data-ready=${allReady ? "true" : "false"}>
    <${PageHeader} title=${t("dash.title")} subtitle=${scope} />
    <${Filters} from=${from} to=${to} owner=${owner} user=${user} region=${region} regions=${regions} />
    <div class="dash-grid">
      ${list.map((r) => html`<${ReportCard} key=${r.key} report=${r} granularity=${granularity} onReady=${onReady} />`)}
    </div>
  </section>`;
}
