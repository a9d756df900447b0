// The pipeline: a board of opportunities by stage with the weighted totals per column
// (GET /opportunities/pipeline). A card is dragged to another column (HTML5 drag and drop)
// or moved with its stage menu (keyboard, phones); the move is shown at once, saved through
// PATCH /opportunities/{id}, and undone with a message when the API refuses it. Below, the
// forecast by month of expected close (GET /opportunities/forecast) as a table.
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, label, lang, money, number, t } from "../i18n.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { setQuery } from "../router.js";
import { CustomerLink, STAGES, ownerFilter } from "./sales-common.js";
import { ViewSwitch } from "./opportunities.js";
import { changeStage } from "./opportunity.js";

const PER_COLUMN = 50;

function Card({ opp, onMove, busy }) {
  const onDragStart = (e) => {
    e.dataTransfer.setData("text/plain", opp.id);
    e.dataTransfer.effectAllowed = "move";
  };
  return html`<li class=${`kanban-card ${busy ? "busy" : ""}`} draggable="true" onDragStart=${onDragStart}
    data-testid="kanban-card" data-id=${opp.id} data-stage=${opp.stage}>
    <a class="card-title" href=${`#/opportunities/${opp.id}`}>${opp.name}</a>
    <div class="muted small"><${CustomerLink} id=${opp.customer_id} /></div>
    <div class="card-money"><strong>${money(opp.amount)}</strong> <span class="muted small">${opp.probability}%</span></div>
    <label class="sr-only" for=${`stage-${opp.id}`}>${t("opp.move_to")}: ${opp.name}</label>
    <select id=${`stage-${opp.id}`} class="card-stage" value=${opp.stage} disabled=${busy} data-testid="kanban-stage-select"
      onChange=${(e) => onMove(opp.id, e.target.value)}>
      ${STAGES.map((s) => html`<option value=${s}>${label("stage", s)}</option>`)}
    </select>
  </li>`;
}

function Column({ stage, items, total, summary, onMove, busyId }) {
  const [over, setOver] = useState(false);
  const onDragOver = (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (!over) setOver(true);
  };
  const onDrop = (e) => {
    e.preventDefault();
    setOver(false);
    const id = e.dataTransfer.getData("text/plain");
    if (id) onMove(id, stage);
  };
  return html`<section class=${`kanban-column ${over ? "over" : ""}`} data-testid="kanban-column" data-stage=${stage}
    aria-labelledby=${`col-${stage}`} onDragOver=${onDragOver} onDragLeave=${() => setOver(false)} onDrop=${onDrop}>
    <header>
      <h2 id=${`col-${stage}`}>${label("stage", stage)} <span class="count">${summary ? summary.count : items.length}</span></h2>
      <div class="column-sum" data-testid="kanban-sum" data-stage=${stage}>
        <span>${money(summary ? summary.amount : "0")}</span>
        <span class="muted small">${t("opp.weighted")} ${money(summary ? summary.weighted_amount : "0")}</span>
      </div>
    </header>
    <ul class="kanban-cards">
      ${items.map((o) => html`<${Card} key=${o.id} opp=${o} onMove=${onMove} busy=${busyId === o.id} />`)}
      ${items.length === 0 && html`<li class="kanban-empty muted">${over ? t("pipeline.drop_here") : t("pipeline.empty_column")}</li>`}
    </ul>
    ${total > items.length && html`<a class="small" href=${`#/opportunities?stage=${stage}`}>${t("pipeline.more", { count: number(total - items.length) })}</a>`}
  </section>`;
}

function Board({ ownerId }) {
  const [columns, setColumns] = useState(null);
  const [error, setError] = useState(null);
  const [summary, setSummary] = useState(null);
  const [busyId, setBusyId] = useState(null);
  const [sums, setSums] = useState(0);
  const base = ownerId ? { owner_id: ownerId } : {};
  const [tries, setTries] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    // one column after the other: a page never holds more than a couple of the services' connections
    (async () => {
      const answers = {};
      for (const stage of STAGES) answers[stage] = await api.get("/opportunities", { ...base, stage, per_page: PER_COLUMN, sort: "-amount" });
      return answers;
    })().then((answers) => live && setColumns(answers)).catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [ownerId, tries]);
  useEffect(() => {
    api.get("/opportunities/pipeline", base).then(setSummary).catch(() => setSummary(null));
  }, [ownerId, sums]);
  if (!columns) {
    return html`<div><${Pending} data=${columns} error=${error} />
      ${error && html`<button type="button" onClick=${() => setTries((x) => x + 1)}>${t("app.retry")}</button>`}</div>`;
  }
  const find = (id) => {
    for (const s of STAGES) {
      const opp = columns[s].items.find((o) => o.id === id);
      if (opp) return opp;
    }
    return null;
  };
  const place = (cols, opp, from, to) => ({
    ...cols,
    [from]: { ...cols[from], items: cols[from].items.filter((o) => o.id !== opp.id), total: cols[from].total - 1 },
    [to]: { ...cols[to], items: [opp, ...cols[to].items.filter((o) => o.id !== opp.id)], total: cols[to].total + 1 },
  });
  const onMove = async (id, stage) => {
    const opp = find(id);
    if (!opp || opp.stage === stage || busyId) return;
    const from = opp.stage;
    const moved = { ...opp, stage };
    setColumns((cols) => place(cols, moved, from, stage));
    setBusyId(id);
    try {
      const saved = await changeStage(opp, stage);
      if (saved) {
        setColumns((cols) => ({ ...cols, [stage]: { ...cols[stage], items: cols[stage].items.map((o) => (o.id === id ? saved : o)) } }));
        toast(t("opp.moved", { stage: label("stage", stage) }));
        setSums((x) => x + 1);
      } else {
        setColumns((cols) => place(cols, opp, stage, from));
      }
    } catch (err) {
      setColumns((cols) => place(cols, opp, stage, from));
      toast(t("opp.move_refused", { reason: errorText(err) }), "error");
    } finally {
      setBusyId(null);
    }
  };
  const bySummary = Object.fromEntries(((summary && summary.items) || []).map((s) => [s.stage, s]));
  return html`<div>
    ${summary && summary.total && html`<p class="pipeline-total" data-testid="pipeline-total">
      ${t("pipeline.total_open")}: <strong>${money(summary.total.amount)}</strong> · ${t("opp.weighted")} <strong>${money(summary.total.weighted_amount)}</strong>
      · ${t("pipeline.count", { count: number(summary.total.count) })}</p>`}
    <p class="muted small">${t("pipeline.help")}</p>
    <div class="kanban" data-testid="kanban">
      ${STAGES.map((s) => html`<${Column} key=${s} stage=${s} items=${columns[s].items} total=${columns[s].total}
        summary=${bySummary[s]} onMove=${onMove} busyId=${busyId} />`)}
    </div>
  </div>`;
}

function monthStart(offset = 0) {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

function lastDay(month) {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(y, m, 0);
  return `${month}-${String(d.getDate()).padStart(2, "0")}`;
}

function monthLabel(month) {
  const [y, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(lang() === "en" ? "en-US" : "zh-CN", { year: "numeric", month: "long" })
    .format(new Date(y, m - 1, 1));
}

function Forecast({ ownerId, query }) {
  const from = /^\d{4}-\d{2}$/.test(query.from || "") ? query.from : monthStart(0);
  const to = /^\d{4}-\d{2}$/.test(query.to || "") ? query.to : monthStart(5);
  const [answer, error] = useApi("/opportunities/forecast", { from: `${from}-01`, to: lastDay(to), ...(ownerId ? { owner_id: ownerId } : {}) });
  const items = answer ? answer.items : [];
  const sum = (key) => items.reduce((acc, r) => acc + BigInt(r[key].replace(".", "")), 0n);
  const asMoney = (cents) => {
    const s = cents.toString().padStart(3, "0");
    return money(`${s.slice(0, -2)}.${s.slice(-2)}`);
  };
  return html`<section class="forecast" aria-labelledby="forecast-title">
    <h2 id="forecast-title">${t("forecast.title")}</h2>
    <div class="list-tools">
      <div class="filter"><label for="fc-from">${t("forecast.from")}</label>
        <input id="fc-from" type="month" value=${from} onChange=${(e) => setQuery({ from: e.target.value })} /></div>
      <div class="filter"><label for="fc-to">${t("forecast.to")}</label>
        <input id="fc-to" type="month" value=${to} onChange=${(e) => setQuery({ to: e.target.value })} /></div>
    </div>
    ${!answer && html`<${Pending} data=${answer} error=${error} />`}
    ${answer && html`<div class="table-wrap"><table class="list" data-testid="forecast">
      <thead><tr><th>${t("forecast.month")}</th><th class="num">${t("forecast.count")}</th>
        <th class="num">${t("forecast.amount")}</th><th class="num">${t("forecast.weighted")}</th></tr></thead>
      <tbody>
        ${items.map((r) => html`<tr>
          <td class="main">${monthLabel(r.month)}</td>
          <td class="num" data-label=${t("forecast.count")}>${number(r.count)}</td>
          <td class="num" data-label=${t("forecast.amount")}>${money(r.amount)}</td>
          <td class="num" data-label=${t("forecast.weighted")}>${money(r.weighted_amount)}</td>
        </tr>`)}
        <tr class="total-row">
          <td class="main">${t("forecast.total")}</td>
          <td class="num" data-label=${t("forecast.count")}>${number(items.reduce((a, r) => a + r.count, 0))}</td>
          <td class="num" data-label=${t("forecast.amount")}>${asMoney(sum("amount"))}</td>
          <td class="num" data-label=${t("forecast.weighted")}>${asMoney(sum("weighted_amount"))}</td>
        </tr>
      </tbody>
    </table></div>`}
    ${answer && items.every((r) => r.count === 0) && html`<p class="muted">${t("forecast.none")}</p>`}
  </section>`;
}

export default function Pipeline({ query, user }) {
  const owner = ownerFilter(t("opp.owner"));
  const ownerId = query.owner_id || "";
  return html`<section>
    <${PageHeader} title=${t("pipeline.title")} actions=${html`<${ViewSwitch} current="kanban" />
      <a class="button primary" href="#/opportunities/new">${t("opp.new")}</a>`} />
    <div class="list-tools">
      <div class="filter"><label for="pl-owner">${owner.label}</label>
        ${owner.render({ id: "pl-owner", value: ownerId, change: (v) => setQuery({ owner_id: v }) })}</div>
      ${user && user.id && html`<button type="button" class="link" onClick=${() => setQuery({ owner_id: ownerId === user.id ? "" : user.id })}>${t("pipeline.mine")}</button>`}
    </div>
    <${Board} key=${ownerId} ownerId=${ownerId} />
    <${Forecast} ownerId=${ownerId} query=${query} />
  </section>`;
}
