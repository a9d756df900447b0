// The customer list: search, filters by owner, category, industry, status and creation
// date, sort by name or date, saved views, columns, export of what is filtered, and bulk
// transfer / share of the selected customers (one call per customer), and a bulk change of the
// selected customers or of every customer the filters match (pages/customer-bulk.js: a job).
import { html, useState } from "../lib.js";
import { date, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/customers.js";
import kindsCat, { CUSTOMER_KINDS } from "../i18n/competitors.js";
import { ListPage } from "../ui/list.js";
import { UserName, useUsers } from "../names.js";
import { BulkDialog } from "./customer-bulk.js";
import { eachId, pickUser, shareWith, transferTo } from "./ownership.js";

mergeCatalogues(cat);
mergeCatalogues(kindsCat);

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

const FILTER_NAMES = ["q", "owner_id", "category", "industry", "status", "kind", "created_from", "created_to"];

export default function Customers({ query, user }) {
  const canCreate = ["sales", "manager", "admin"].includes(user.role);
  const [bulkTarget, setBulkTarget] = useState(null);
  const [reloads, setReloads] = useState(0);
  const create = canCreate && html`<a class="button primary" href="#/customers/new">${t("customers.new")}</a>`;
  const filter = Object.fromEntries(Object.entries(query).filter(([k, v]) => FILTER_NAMES.includes(k) && v !== ""));
  const header = canCreate && html`<button type="button" data-bulk-all onClick=${() => setBulkTarget({ filter })}>${t("bulk.change_all")}</button>${create}`;
  const bulk = [];
  if (canCreate) {
    bulk.push({ label: t("bulk.change_selected"), run: async (ids) => {
      setBulkTarget({ ids });
      return false; // the dialog reports; the list reloads when it closes
    } });
  }
  if (["manager", "admin"].includes(user.role)) {
    bulk.push({ label: t("customer.transfer"), run: async (ids) => {
      const owner = await pickUser({ title: t("customer.transfer_title", { count: ids.length }), label: t("customer.new_owner") });
      return owner ? eachId(ids, (id) => transferTo(id, owner)) : false;
    } });
  }
  if (canCreate) {
    bulk.push({ label: t("customer.share"), run: async (ids) => {
      const to = await pickUser({ title: t("customer.share_title", { count: ids.length }), label: t("customer.share_with") });
      return to ? eachId(ids, (id) => shareWith(id, to)) : false;
    } });
  }
  const closeBulk = (ran) => {
    setBulkTarget(null);
    if (ran) setReloads((n) => n + 1);
  };
  return html`${bulkTarget && html`<${BulkDialog} target=${bulkTarget} onClose=${closeBulk} />`}<${ListPage}
    listKey="customers" title=${t("customers.title")} path="/customers" query=${query}
    searchParam="q" searchPlaceholder=${t("customers.search")}
    filters=${[
      ownerFilter(),
      { name: "category", label: t("customer.category"), type: "text" },
      { name: "kind", label: t("customer.kind"), type: "select", options: CUSTOMER_KINDS.map((k) => [k, label("customer_kind", k)]) },
      { name: "industry", label: t("customer.industry"), type: "text" },
      { name: "status", label: t("customer.status"), type: "select",
        options: ["active", "lost", "deleted"].map((s) => [s, label("customer_status", s)]) },
      { name: "created_from", label: t("customer.created_from"), type: "date" },
      { name: "created_to", label: t("customer.created_to"), type: "date" },
    ]}
    columns=${[
      { key: "name", label: t("customer.name"), main: true, sort: "name" },
      { key: "owner_id", label: t("customer.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "category", label: t("customer.category") },
      { key: "kind", label: t("customer.kind"), render: (r) => label("customer_kind", r.kind) },
      { key: "industry", label: t("customer.industry") },
      { key: "phone", label: t("customer.phone") },
      { key: "status", label: t("customer.status"), render: (r) => label("customer_status", r.status) },
      { key: "created_at", label: t("customer.created_at"), render: (r) => date(r.created_at), sort: "created_at" },
    ]}
    bulkActions=${bulk}
    rowHref=${(r) => `#/customers/${r.id}`}
    exportPath="/exports/customers"
    actions=${header} refreshKey=${reloads}
    emptyHint=${t("customers.empty_hint")} emptyAction=${create} />`;
}
