// The order list: search by number or customer, filters by status, payment, customer and
// owner, sort by number, amount or date.
import { html } from "../lib.js";
import { date, label, money, t } from "../i18n.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { UserName } from "../names.js";
import { CustomerLink, ORDER_STATUSES, SELLER_ROLES, customerFilter, ownerFilter } from "./sales-common.js";

export default function Orders({ query, user }) {
  const create = SELLER_ROLES.includes(user.role) && html`<a class="button primary" href="#/orders/new">${t("order.new")}</a>`;
  return html`<${ListPage}
    listKey="orders" title=${t("order.title")} path="/orders" query=${query}
    searchParam="q" searchPlaceholder=${t("order.search")}
    filters=${[
      { name: "status", label: t("order.status"), type: "select", options: ORDER_STATUSES.map((s) => [s, label("order_status", s)]) },
      customerFilter(t("order.customer")),
      ownerFilter(t("order.owner")),
    ]}
    columns=${[
      { key: "number", label: t("order.number"), main: true, sort: "number" },
      { key: "customer_id", label: t("order.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} />` },
      { key: "status", label: t("order.status"), sort: "status", render: (r) => html`<${Badge} group="order_status" code=${r.status} />` },
      { key: "payment_status", label: t("order.payment_status"), sort: "payment_status",
        render: (r) => html`<${Badge} group="payment_status" code=${r.payment_status} />` },
      { key: "gross", label: t("quote.gross"), num: true, sort: "gross", render: (r) => money(r.gross) },
      { key: "paid_amount", label: t("order.paid"), num: true, default: false, render: (r) => money(r.paid_amount) },
      { key: "owner_id", label: t("order.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "created_at", label: t("order.created_at"), sort: "created_at", render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/orders/${r.id}`}
    actions=${create}
    emptyHint=${t("order.empty_hint")} emptyAction=${create} />`;
}
