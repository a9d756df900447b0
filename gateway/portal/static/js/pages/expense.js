// File an expense claim (for a customer or one of its orders), or see one and where it
// stands: submitted -> approved / rejected (with the reason) -> paid.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/service.js";
import projectCat from "../i18n/projects.js";
import { Form } from "../ui/form.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { RecordName, UserName } from "../names.js";
import { isoDay } from "./sales-common.js";

mergeCatalogues(cat);
mergeCatalogues(projectCat);

const describeProject = (p) => `${p.number} ${p.name}`;

function NewExpense({ query }) {
  const [customer, setCustomer] = useState(query.customer_id || "");
  const fields = [
    { name: "amount", label: t("expense.amount"), type: "money", required: true, placeholder: "0.00" },
    { name: "category", label: t("expense.category"), required: true, maxLength: 50, placeholder: t("expense.category_hint") },
    { name: "incurred_on", label: t("expense.incurred_on"), type: "date", required: true, max: isoDay(0),
      help: t("expense.incurred_on_help") },
    { name: "description", label: t("expense.description"), type: "textarea", required: true, rows: 3, wide: true, maxLength: 2000 },
    { name: "customer_id", label: t("expense.customer"), type: "record", kind: "customers", wide: true },
    { name: "order_id", label: t("expense.order"), type: "record", kind: "orders", wide: true,
      query: customer ? { customer_id: customer } : {}, describe: (o) => `${o.number || o.id.slice(0, 8)} · ${money(o.gross)}`,
      help: t("expense.order_help") },
    { name: "project_id", label: t("project.linked"), type: "record", kind: "projects", wide: true,
      query: customer ? { customer_id: customer, status: "approved" } : { status: "approved" }, describe: describeProject },
  ];
  const done = (saved) => {
    toast(t("expense.submitted"));
    location.hash = `#/expenses/${saved.id}`;
  };
  return html`<section>
    <${PageHeader} title=${t("expense.new")} back="#/expenses" />
    <${Form} fields=${fields} initial=${{ amount: "", category: "", incurred_on: isoDay(0), description: "", customer_id: query.customer_id || "", order_id: query.order_id || "",
      project_id: query.project_id || "" }}
      submit=${(body, key) => api.post("/expenses", body, { key })} onDone=${done} onCancel=${() => history.back()}
      submitLabel=${t("expense.submit")} onChange=${(v, changed) => changed === "customer_id" && setCustomer(v.customer_id)} />
  </section>`;
}

export default function ExpensePage({ params, query }) {
  const [e, error] = useApi(params.id ? `/expenses/${params.id}` : null);
  if (!params.id) return html`<${NewExpense} query=${query} />`;
  if (!e) return html`<${Pending} data=${e} error=${error} />`;
  return html`<section class="record">
    <${PageHeader} title=${`${money(e.amount)} · ${e.category}`} back="#/expenses"
      status=${html`<${Badge} group="expense_status" code=${e.status} />`} />
    <${Details} items=${[
      [t("expense.description"), e.description],
      [t("expense.incurred_on"), date(e.incurred_on)],
      [t("expense.customer"), e.customer_id && html`<a href=${`#/customers/${e.customer_id}`}><${RecordName} kind="customers" id=${e.customer_id} fallback=${t("action.open")} /></a>`],
      [t("expense.order"), e.order_id && html`<a href=${`#/orders/${e.order_id}`}><${RecordName} kind="orders" id=${e.order_id} field="number" fallback=${t("action.open")} /></a>`],
      e.project_id && [t("project.linked"), html`<a href=${`#/projects/${e.project_id}`}><${RecordName} kind="projects" id=${e.project_id} fallback=${t("action.open")} /></a>`],
      [t("expense.submitter"), html`<${UserName} id=${e.submitter_id} />`],
      [t("expense.created_at"), dateTime(e.created_at)],
      e.decided_by && [t(e.status === "rejected" ? "expense.rejected_by" : "expense.approved_by"), html`<${UserName} id=${e.decided_by} /> · ${dateTime(e.decided_at)}`],
      e.decision_note && [t("expense.decision_note"), e.decision_note],
      e.paid_at && [t("expense.paid_at"), dateTime(e.paid_at)],
    ]} />
  </section>`;
}
