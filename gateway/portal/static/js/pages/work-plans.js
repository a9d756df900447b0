// Weekly work plan: this week's plan (and, at the week's end, its summary) written or
// changed in place, other weeks by the arrows; below, earlier plans (a manager's team's too).
import { html, useMemo } from "../lib.js";
import { api } from "../api.js";
import { date, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/activities.js";
import { Form } from "../ui/form.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { ListPage } from "../ui/list.js";
import { toast } from "../ui/feedback.js";
import { setQuery } from "../router.js";
import { UserName } from "../names.js";
import { ownerFilter } from "./customers.js";

mergeCatalogues(cat);

function iso(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The Monday of the week of `day` (a YYYY-MM-DD string or today), as YYYY-MM-DD. */
export function mondayOf(day) {
  const d = day && /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T12:00:00`) : new Date();
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return iso(d);
}

function shift(week, days) {
  const d = new Date(`${week}T12:00:00`);
  d.setDate(d.getDate() + days);
  return iso(d);
}

function WeekPlan({ week, user }) {
  const [found, error, reload] = useApi("/work-plans", { user_id: user.id, week_start: week, per_page: 1 });
  const plan = found && found.items[0];
  const fields = [
    { name: "plan", label: t("plan.plan"), type: "textarea", required: true, rows: 6, wide: true, maxLength: 10000, placeholder: t("plan.plan_hint") },
    { name: "summary", label: t("plan.summary"), type: "textarea", rows: 4, wide: true, maxLength: 10000, placeholder: t("plan.summary_hint") },
  ];
  const initial = useMemo(() => ({ plan: (plan && plan.plan) || "", summary: (plan && plan.summary) || "" }), [plan && plan.id, plan && plan.updated_at]);
  if (!found) return html`<${Pending} data=${found} error=${error} />`;
  const submit = (body, key) => (plan ? api.patch(`/work-plans/${plan.id}`, body, { key })
    : api.post("/work-plans", { ...body, week_start: week }, { key }));
  const done = () => {
    toast(plan ? t("form.saved") : t("plan.submitted"));
    reload();
  };
  return html`<div>
    ${plan && html`<p class="muted">${t("plan.last_saved", { when: date(plan.updated_at || plan.created_at) })}</p>`}
    <${Form} key=${`${week}-${plan ? plan.id : "new"}`} fields=${fields} initial=${initial} editing=${Boolean(plan)}
      submit=${submit} onDone=${done} submitLabel=${plan ? t("action.save") : t("plan.submit")} />
  </div>`;
}

export default function WorkPlans({ query, user }) {
  const week = mondayOf(query.week);
  const end = shift(week, 6);
  return html`<section>
    <${PageHeader} title=${t("plans.title")} />
    <nav class="week-nav" aria-label=${t("plan.week")}>
      <button type="button" onClick=${() => setQuery({ week: shift(week, -7) })}>‹ ${t("plan.prev_week")}</button>
      <strong>${t("plan.week_of", { from: date(week), to: date(end) })}</strong>
      <button type="button" onClick=${() => setQuery({ week: shift(week, 7) })}>${t("plan.next_week")} ›</button>
      ${week !== mondayOf() && html`<button type="button" class="link" onClick=${() => setQuery({ week: "" })}>${t("plan.this_week")}</button>`}
    </nav>
    <${WeekPlan} week=${week} user=${user} />
    <h2>${t("plans.history")}</h2>
    <${ListPage} headerless listKey="work-plans" path="/work-plans" query=${query} perPageDefault=${20}
      emptyText=${t("plans.none")} emptyHint=${t("plans.none_hint")}
      filters=${user.role === "sales" ? [] : [ownerFilter("user_id", "plan.user")]}
      columns=${[
        { key: "week_start", label: t("plan.week"), main: true, render: (r) => t("plan.week_of", { from: date(r.week_start), to: date(shift(r.week_start, 6)) }) },
        { key: "user_id", label: t("plan.user"), render: (r) => html`<${UserName} id=${r.user_id} />` },
        { key: "plan", label: t("plan.plan"), render: (r) => html`<span class="clip pre">${r.plan}</span>` },
        { key: "summary", label: t("plan.summary"), render: (r) => html`<span class="clip pre">${r.summary || "—"}</span>` },
      ]}
      rowHref=${(r) => (r.user_id === user.id ? `#/work-plans?week=${r.week_start}` : null)} />
  </section>`;
}
