// A customer project's page: status in words, amounts, the competition, the customer's
// people and their roles, the reports (documents), its opportunities (and their quotes and
// orders) and expense claims,
// and the customer's timeline. The owner edits it while it is a draft or rejected and
// applies for approval (立项); a manager above the owner (or an admin) approves or rejects
// it with a comment right here.
import { html, useState } from "../lib.js";
import { date, dateTime, errorText, label, money, t } from "../i18n.js";
import { Badge, Details, PageHeader, Pending, Tabs, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { RecordName, UserName, useUsers } from "../names.js";
import { subordinates } from "../team.js";
import { Timeline } from "../ui/timeline.js";
import { CustomerLink, RecordDocuments, SELLER_ROLES } from "./sales-common.js";
import { EDITABLE, decideProject, projectRefusal, submitProject } from "./project-parts.js";

function Competition({ project }) {
  const rows = project.competitors || [];
  if (!rows.length) return html`<p class="muted">${t("project.no_competition")}</p>`;
  return html`<div class="table-wrap"><table class="list" data-testid="project-competition">
    <thead><tr><th>${t("project.competitor")}</th><th class="num">${t("project.offer")}</th><th>${t("project.notes")}</th></tr></thead>
    <tbody>${rows.map((c) => html`<tr>
      <td class="main">${c.name || "—"}</td>
      <td class="num" data-label=${t("project.offer")}>${c.offer ? money(c.offer) : "—"}</td>
      <td data-label=${t("project.notes")}>${c.notes || ""}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

function People({ project }) {
  const rows = project.contacts || [];
  if (!rows.length) return html`<p class="muted">${t("project.no_people")}</p>`;
  return html`<div class="table-wrap"><table class="list" data-testid="project-people">
    <thead><tr><th>${t("project.contact")}</th><th>${t("project.role")}</th></tr></thead>
    <tbody>${rows.map((c) => html`<tr>
      <td class="main"><${RecordName} kind="contacts" id=${c.contact_id} fallback=${t("error.not_found")} /></td>
      <td data-label=${t("project.role")}>${c.role}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

function Opportunities({ project, writable }) {
  const [list, error] = useApi("/opportunities", { project_id: project.id, per_page: 50 });
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  return html`<div>
    ${writable && html`<p><a class="button" href=${`#/opportunities/new?customer_id=${project.customer_id}&project_id=${project.id}`}>${t("project.new_opportunity")}</a></p>`}
    ${list.items.length === 0 && html`<p class="muted">${t("project.no_opportunities")}</p>`}
    ${list.items.length > 0 && html`<div class="table-wrap"><table class="list">
      <thead><tr><th>${t("opp.name")}</th><th>${t("opp.stage")}</th><th class="num">${t("opp.amount")}</th><th>${t("opp.expected_close")}</th></tr></thead>
      <tbody>${list.items.map((o) => html`<tr>
        <td class="main"><a href=${`#/opportunities/${o.id}`}>${o.name}</a></td>
        <td data-label=${t("opp.stage")}><${Badge} group="stage" code=${o.stage} /></td>
        <td class="num" data-label=${t("opp.amount")}>${money(o.amount)}</td>
        <td data-label=${t("opp.expected_close")}>${date(o.expected_close_date)}</td>
      </tr>`)}</tbody>
    </table></div>`}
  </div>`;
}

/** Quotes and orders of the project's opportunities (GET /quotes, /orders with project_id). */
function Documents({ project, path, empty, columns }) {
  const [list, error] = useApi(path, { project_id: project.id, per_page: 50 });
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  if (!list.items.length) return html`<p class="muted">${t(empty)}</p>`;
  return html`<div class="table-wrap"><table class="list">
    <thead><tr>${columns.map((c) => html`<th class=${c.num ? "num" : ""}>${t(c.label)}</th>`)}</tr></thead>
    <tbody>${list.items.map((r) => html`<tr>${columns.map((c, i) => html`<td class=${i === 0 ? "main" : c.num ? "num" : ""}
      data-label=${t(c.label)}>${c.render(r)}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

const QUOTE_COLUMNS = [
  { label: "quote.number", render: (q) => html`<a href=${`#/quotes/${q.id}`}>${q.number}</a>` },
  { label: "quote.status", render: (q) => html`<${Badge} group="quote_status" code=${q.order_id ? "converted" : q.status} />` },
  { label: "quote.gross", num: true, render: (q) => money(q.gross) },
  { label: "quote.valid_until", render: (q) => date(q.valid_until) },
];

const ORDER_COLUMNS = [
  { label: "order.number", render: (o) => html`<a href=${`#/orders/${o.id}`}>${o.number}</a>` },
  { label: "order.status", render: (o) => html`<${Badge} group="order_status" code=${o.status} />` },
  { label: "quote.gross", num: true, render: (o) => money(o.gross) },
  { label: "order.created_at", render: (o) => date(o.created_at) },
];

function Expenses({ project }) {
  const [list, error] = useApi("/expenses", { project_id: project.id, per_page: 50 });
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  return html`<div>
    ${project.status === "approved"
      ? html`<p><a class="button" href=${`#/expenses/new?customer_id=${project.customer_id}&project_id=${project.id}`}>${t("project.new_expense")}</a></p>`
      : html`<p class="muted">${t("project.expense_after_approval")}</p>`}
    ${list.items.length === 0 && html`<p class="muted">${t("project.no_expenses")}</p>`}
    ${list.items.length > 0 && html`<div class="table-wrap"><table class="list">
      <tbody>${list.items.map((x) => html`<tr>
        <td class="main"><a href=${`#/expenses/${x.id}`}>${label("expense_category", x.category)}</a></td>
        <td><${UserName} id=${x.submitter_id} /></td>
        <td class="num">${money(x.amount)}</td>
        <td><${Badge} group="expense_status" code=${x.status} /></td>
        <td>${date(x.created_at)}</td>
      </tr>`)}</tbody>
    </table></div>`}
  </div>`;
}

export default function ProjectPage({ params, query, user }) {
  const [project, error, reload] = useApi(`/projects/${params.id}`);
  const users = useUsers();
  const [busy, setBusy] = useState(false);
  if (!project) return html`<${Pending} data=${project} error=${error} />`;
  const writable = SELLER_ROLES.includes(user.role);
  const teamIds = new Set(subordinates(users, user.id).map((u) => u.id));
  const refusal = projectRefusal(project, user, teamIds);
  const run = async (step, done) => {
    setBusy(true);
    try {
      const saved = await step();
      if (saved) toast(done(saved));
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
      reload();
    }
  };
  const editable = EDITABLE.includes(project.status);
  const pending = project.status === "pending_approval";
  const actions = html`
    ${writable && editable && html`<a class="button" href=${`#/projects/${project.id}/edit`}>${t("action.edit")}</a>`}
    ${writable && editable && html`<button type="button" class="primary" disabled=${busy} data-testid="project-submit"
      onClick=${() => run(() => submitProject(project), () => t("project.submitted"))}>${t(project.status === "rejected" ? "project.resubmit" : "project.submit")}</button>`}
    ${pending && !refusal && html`<button type="button" class="primary" disabled=${busy} data-testid="project-approve"
      onClick=${() => run(() => decideProject(project, "approve"), (p) => t("project.approved", { number: p.number }))}>${t("project.approve")}</button>`}
    ${pending && !refusal && html`<button type="button" class="danger" disabled=${busy} data-testid="project-reject"
      onClick=${() => run(() => decideProject(project, "reject"), (p) => t("project.rejected", { number: p.number }))}>${t("project.reject")}</button>`}`;
  const tabs = [
    { key: "details", label: t("record.details"), render: () => html`
      ${editable && writable && html`<p class="hint warn" role="note">${t("project.reports_hint")}</p>`}
      ${pending && refusal && html`<p class="hint warn" role="note">${t(user.role === "sales" ? "project.waiting_for" : refusal)}</p>`}
      <${Details} items=${[
        [t("project.number"), project.number],
        [t("project.customer"), html`<${CustomerLink} id=${project.customer_id} />`],
        [t("project.estimated_amount"), project.estimated_amount ? money(project.estimated_amount) : ""],
        [t("project.budget"), project.budget ? money(project.budget) : ""],
        [t("project.status"), label("project_status", project.status)],
        [t("project.description"), project.description],
        [t("project.owner"), html`<${UserName} id=${project.owner_id} />`],
        project.created_by !== project.owner_id && [t("project.created_by"), html`<${UserName} id=${project.created_by} />`],
        [t("project.created_at"), dateTime(project.created_at)],
        project.submitted_at && [t("project.submitted_at"), dateTime(project.submitted_at)],
        project.submit_note && [t("project.submit_note"), project.submit_note],
        project.decided_by && [t("project.decided_by"), html`<${UserName} id=${project.decided_by} />`],
        project.decided_at && [t("project.decided_at"), dateTime(project.decided_at)],
        project.decision_comment && [t("project.decision_comment"), html`<span data-testid="project-comment">${project.decision_comment}</span>`],
      ]} />` },
    { key: "competition", label: t("project.competition"), render: () => html`<${Competition} project=${project} />` },
    { key: "people", label: t("project.people"), render: () => html`<${People} project=${project} />` },
    { key: "documents", label: t("record.documents"), render: () => html`<${RecordDocuments} type="project" id=${project.id} user=${user} />` },
    { key: "opportunities", label: t("project.opportunities"), render: () => html`<${Opportunities} project=${project} writable=${writable} />` },
    { key: "quotes", label: t("project.quotes"), render: () => html`<${Documents} project=${project} path="/quotes"
      empty="project.no_quotes" columns=${QUOTE_COLUMNS} />` },
    { key: "orders", label: t("project.orders"), render: () => html`<${Documents} project=${project} path="/orders"
      empty="project.no_orders" columns=${ORDER_COLUMNS} />` },
    { key: "expenses", label: t("project.expenses"), render: () => html`<${Expenses} project=${project} />` },
    { key: "timeline", label: t("record.timeline"), render: () => html`<${Timeline} customerId=${project.customer_id} />` },
  ];
  return html`<section class="record">
    <${PageHeader} title=${`${project.number} ${project.name}`} back="#/projects"
      status=${html`<span data-testid="project-status" data-status=${project.status}><${Badge} group="project_status" code=${project.status} /></span>`}
      subtitle=${html`<${CustomerLink} id=${project.customer_id} />${project.estimated_amount ? html` · ${money(project.estimated_amount)}` : ""}`}
      actions=${actions} />
    <${Tabs} tabs=${tabs} query=${query} />
  </section>`;
}
