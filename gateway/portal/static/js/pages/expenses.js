// Expense claims: mine (a manager's team's, finance and admins all), by status and date;
// each shows what it was for and where it stands.
import { html } from "../lib.js";
import { date, label, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/service.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { RecordName, UserName } from "../names.js";
import { ownerFilter } from "./customers.js";

mergeCatalogues(cat);

export const EXPENSE_STATUSES = ["submitted", "approved", "rejected", "paid"];

export default function Expenses({ query, user }) {
  const create = html`<a class="button primary" href="#/expenses/new">${t("expense.new")}</a>`;
  return html`<${ListPage}
    listKey="expenses" title=${t("expenses.title")} path="/expenses" query=${query}
    filters=${[
      { name: "status", label: t("expense.status"), type: "select", options: EXPENSE_STATUSES.map((s) => [s, label("expense_status", s)]) },
      { name: "from", label: t("expense.from"), type: "date" },
      { name: "to", label: t("expense.to"), type: "date" },
      ...(user.role === "sales" ? [] : [ownerFilter("submitter_id", "expense.submitter")]),
    ]}
    columns=${[
      { key: "created_at", label: t("expense.created_at"), main: true, render: (r) => date(r.created_at) },
      { key: "incurred_on", label: t("expense.incurred_on"), render: (r) => date(r.incurred_on) },
      { key: "amount", label: t("expense.amount"), num: true, render: (r) => money(r.amount) },
      { key: "category", label: t("expense.category") },
      { key: "status", label: t("expense.status"), render: (r) => html`<${Badge} group="expense_status" code=${r.status} />` },
      { key: "customer_id", label: t("expense.customer"), render: (r) => r.customer_id && html`<${RecordName} kind="customers" id=${r.customer_id} />` },
      { key: "description", label: t("expense.description"), render: (r) => html`<span class="clip">${r.description}</span>` },
      { key: "submitter_id", label: t("expense.submitter"), render: (r) => html`<${UserName} id=${r.submitter_id} />` },
    ]}
    rowHref=${(r) => `#/expenses/${r.id}`}
    actions=${create}
    emptyHint=${t("expenses.empty_hint")} emptyAction=${create} />`;
}
