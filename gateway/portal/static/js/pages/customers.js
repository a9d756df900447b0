// The customer list: search, filters by owner, category, industry and status, saved views,
// columns, export of what is filtered.
import { html } from "../lib.js";
import { date, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/customers.js";
import { ListPage } from "../ui/list.js";
import { UserName, useUsers } from "../names.js";

mergeCatalogues(cat);

export function ownerFilter(name = "owner_id", labelKey = "customer.owner") {
  return { name, label: t(labelKey), type: "user", render: ({ id, value, change }) => html`<${OwnerSelect} id=${id} value=${value} change=${change} />` };
}

function OwnerSelect({ id, value, change }) {
  const users = useUsers();
  return html`<select id=${id} value=${value || ""} onChange=${(e) => change(e.target.value)}>
    <option value="">${t("list.any")}</option>
    ${users.filter((u) => !u.role || ["sales", "manager", "admin"].includes(u.role)).map((u) => html`<option value=${u.id}>${u.full_name || u.username}</option>`)}
  </select>`;
}

export default function Customers({ query, user }) {
  const canCreate = ["sales", "manager", "admin"].includes(user.role);
  const create = canCreate && html`<a class="button primary" href="#/customers/new">${t("customers.new")}</a>`;
  return html`<${ListPage}
    listKey="customers" title=${t("customers.title")} path="/customers" query=${query}
    searchParam="q" searchPlaceholder=${t("customers.search")}
    filters=${[
      ownerFilter(),
      { name: "category", label: t("customer.category"), type: "text" },
      { name: "industry", label: t("customer.industry"), type: "text" },
      { name: "status", label: t("customer.status"), type: "select",
        options: ["active", "lost"].map((s) => [s, label("customer_status", s)]) },
    ]}
    columns=${[
      { key: "name", label: t("customer.name"), main: true },
      { key: "owner_id", label: t("customer.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "category", label: t("customer.category") },
      { key: "industry", label: t("customer.industry") },
      { key: "phone", label: t("customer.phone") },
      { key: "status", label: t("customer.status"), render: (r) => label("customer_status", r.status) },
      { key: "created_at", label: t("customer.created_at"), render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/customers/${r.id}`}
    exportPath="/exports/customers"
    actions=${create}
    emptyHint=${t("customers.empty_hint")} emptyAction=${create} />`;
}
