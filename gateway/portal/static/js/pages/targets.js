// Sales targets (销售目标, issue 16): per rep and month, the target beside the revenue of the
// orders placed that month and the attainment. Managers set their team's targets (never their
// own), admins everyone's; a rep sees their own months of the year. The numbers are tracking's
// /reports/target-attainment; a target is set with PUT /sales-targets/{rep}/{month}.
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { decimal, errorText, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/manage.js";
import { useUsers } from "../names.js";
import { setQuery } from "../router.js";
import { teamChoices } from "../team.js";
import { toast } from "../ui/feedback.js";
import { Empty, PageHeader } from "../ui/page.js";
import { useStylesheet } from "../ui/styles.js";
import { monthName } from "./dashboard.js";

mergeCatalogues(cat);

const SELLERS = ["sales", "manager"];

/** This month as YYYY-MM (the browser's calendar). */
export function thisMonth(today = new Date()) {
  return `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`;
}

/** Whether the caller may set this rep's targets (the API decides; this only hides inputs). */
export function maySet(me, rep) {
  return me.role === "admin" || (me.role === "manager" && rep.id !== me.id);
}

/** The reps a manager or admin sets targets for: sellers of the team, the caller first. */
export function targetReps(users, me) {
  return teamChoices(users, me).filter((u) => SELLERS.includes(u.role) && u.active !== false);
}

function Attainment({ row }) {
  if (!row || row.attainment_pct === null || row.attainment_pct === undefined) return html`<span class="muted">—</span>`;
  const pct = Number(row.attainment_pct);
  return html`<span class=${`attainment ${pct >= 100 ? "reached" : ""}`}>
    <progress max="100" value=${Math.min(pct, 100)} aria-hidden="true"></progress> ${decimal(row.attainment_pct, 1)}%</span>`;
}

function TargetInput({ rep, month, row, onSaved }) {
  const [value, setValue] = useState(row && row.target ? row.target : "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => setValue(row && row.target ? row.target : ""), [row && row.target, month]);
  const save = async (e) => {
    e.preventDefault();
    const amount = value.trim().replace(/,/g, "");
    if ((row && row.target ? row.target : "") === amount) return;
    setBusy(true);
    setError(null);
    try {
      if (amount === "") await api.del(`/sales-targets/${rep.id}/${month}`);
      else await api.put(`/sales-targets/${rep.id}/${month}`, { amount });
      toast(t(amount === "" ? "targets.removed" : "targets.saved", { name: rep.full_name || rep.username }));
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const id = `target-${rep.id}`;
  return html`<form class="target-form" onSubmit=${save}>
    <label class="sr-only" for=${id}>${t("targets.target_of", { name: rep.full_name || rep.username })}</label>
    <input id=${id} inputmode="decimal" value=${value} placeholder=${t("targets.none")} disabled=${busy}
      aria-invalid=${error ? "true" : undefined} onInput=${(e) => setValue(e.target.value)} />
    <button type="submit" class="small" disabled=${busy}>${t("action.save")}</button>
    ${error && html`<small class="error" role="alert">${errorText(error)}</small>`}
  </form>`;
}

function TeamMonth({ user, month }) {
  const users = useUsers();
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    api.get("/reports/target-attainment", { month, per_page: 200 })
      .then((a) => live && setAnswer(a)).catch((err) => live && setError(err));
    return () => { live = false; };
  }, [month, version]);
  const reps = targetReps(users, user);
  const byRep = new Map((answer ? answer.items : []).map((r) => [r.owner_id, r]));
  if (error) return html`<p class="form-error" role="alert">${errorText(error)}</p>`;
  if (!answer) return html`<p class="muted loading">${t("app.loading")}</p>`;
  if (!reps.length) return html`<${Empty} text=${t("targets.no_reps")} />`;
  return html`<div class="table-wrap"><table class="list targets">
    <thead><tr>
      <th scope="col">${t("targets.rep")}</th><th scope="col">${t("targets.target")}</th>
      <th scope="col" class="num">${t("targets.revenue")}</th><th scope="col">${t("targets.attainment")}</th>
    </tr></thead>
    <tbody>${reps.map((rep) => {
      const row = byRep.get(rep.id);
      return html`<tr key=${rep.id} data-rep=${rep.id}>
        <td class="main" data-label=${t("targets.rep")}>${rep.full_name || rep.username}</td>
        <td data-label=${t("targets.target")}>${maySet(user, rep)
          ? html`<${TargetInput} rep=${rep} month=${month} row=${row} onSaved=${() => setVersion(version + 1)} />`
          : row && row.target ? money(row.target) : html`<span class="muted">${t("targets.none")}</span>`}</td>
        <td class="num" data-label=${t("targets.revenue")}>${money(row ? row.revenue : "0")}</td>
        <td data-label=${t("targets.attainment")}><${Attainment} row=${row} /></td>
      </tr>`;
    })}</tbody>
  </table></div>`;
}

function MyYear({ user, year }) {
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    api.get("/reports/target-attainment", { year, owner_id: user.id, per_page: 50 })
      .then((a) => live && setAnswer(a)).catch((err) => live && setError(err));
    return () => { live = false; };
  }, [year]);
  if (error) return html`<p class="form-error" role="alert">${errorText(error)}</p>`;
  if (!answer) return html`<p class="muted loading">${t("app.loading")}</p>`;
  const byMonth = new Map(answer.items.map((r) => [r.month, r]));
  const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`);
  return html`<div class="table-wrap"><table class="list targets">
    <thead><tr>
      <th scope="col">${t("targets.month")}</th><th scope="col" class="num">${t("targets.target")}</th>
      <th scope="col" class="num">${t("targets.revenue")}</th><th scope="col">${t("targets.attainment")}</th>
    </tr></thead>
    <tbody>${months.map((m) => {
      const row = byMonth.get(m);
      return html`<tr key=${m} data-month=${m}>
        <td class="main" data-label=${t("targets.month")}>${monthName(m)}</td>
        <td class="num" data-label=${t("targets.target")}>${row && row.target ? money(row.target) : html`<span class="muted">${t("targets.none")}</span>`}</td>
        <td class="num" data-label=${t("targets.revenue")}>${money(row ? row.revenue : "0")}</td>
        <td data-label=${t("targets.attainment")}><${Attainment} row=${row} /></td>
      </tr>`;
    })}</tbody>
  </table></div>`;
}

export default function Targets({ query, user }) {
  useStylesheet("/portal/manage.css");
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(query.month || "") ? query.month : thisMonth();
  const team = user.role === "manager" || user.role === "admin";
  return html`<section class="targets-page">
    <${PageHeader} title=${t("targets.title")} subtitle=${team ? t("targets.subtitle_team") : t("targets.subtitle_mine")} />
    <div class="dash-filters">
      <div class="filter"><label for="target-month">${t(team ? "targets.month" : "targets.year")}</label>
        ${team
          ? html`<input id="target-month" type="month" value=${month} onChange=${(e) => e.target.value && setQuery({ month: e.target.value })} />`
          : html`<select id="target-month" value=${month.slice(0, 4)} onChange=${(e) => setQuery({ month: `${e.target.value}-01` })}>
              ${[-1, 0, 1].map((d) => Number(thisMonth().slice(0, 4)) + d).map((y) => html`<option value=${y}>${y}</option>`)}
            </select>`}
      </div>
    </div>
    ${team ? html`<${TeamMonth} user=${user} month=${month} />` : html`<${MyYear} user=${user} year=${month.slice(0, 4)} />`}
  </section>`;
}
