// The quote list: search by number or customer, filters by status, customer and owner,
// sort by number, validity, amount or date.
import { html } from "../lib.js";
import { date, label, money, t } from "../i18n.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { UserName } from "../names.js";
import { CustomerLink, QUOTE_STATUSES, customerFilter, ownerFilter } from "./sales-common.js";

export default function Quotes({ query }) {
  const create = html`<a class="button primary" href="#/quotes/new">${t("quote.new")}</a>`;
  return html`<${ListPage}
    listKey="quotes" title=${t("quote.title")} path="/quotes" query=${query}
    searchParam="q" searchPlaceholder=${t("quote.search")}
    filters=${[
      { name: "status", label: t("quote.status"), type: "select", options: QUOTE_STATUSES.map((s) => [s, label("quote_status", s)]) },
      customerFilter(t("quote.customer")),
      ownerFilter(t("quote.owner")),
    ]}
    columns=${[
      { key: "number", label: t("quote.number"), main: true, sort: "number" },
      { key: "customer_id", label: t("quote.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} />` },
      { key: "status", label: t("quote.status"), sort: "status",
        render: (r) => html`<${Badge} group="quote_status" code=${r.order_id ? "converted" : r.status} />` },
      { key: "gross", label: t("quote.gross"), num: true, sort: "gross", render: (r) => money(r.gross) },
      { key: "net", label: t("quote.net"), num: true, sort: "net", default: false, render: (r) => money(r.net) },
      { key: "valid_until", label: t("quote.valid_until"), sort: "valid_until", render: (r) => date(r.valid_until) },
      { key: "owner_id", label: t("quote.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "created_at", label: t("quote.created_at"), sort: "created_at", render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/quotes/${r.id}`}
    actions=${create}
    emptyHint=${t("quote.empty_hint")} emptyAction=${create} />`;
}
