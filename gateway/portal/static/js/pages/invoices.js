// Invoices: the list (by customer, order, status), issuing one (several per order, at most
// the order's gross in all) and voiding one with a reason.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, label, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/finance.js";
import { ListPage } from "../ui/list.js";
import { Badge, CustomerLink, PageHeader } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";

mergeCatalogues(cat);

export const describeOrder = (o) => [o.number || o.id.slice(0, 8), o.customer_name, money(o.gross)].filter(Boolean).join(" · ");

function IssueInvoice({ query }) {
  const fields = [
    { name: "order_id", label: t("invoice.order"), type: "record", kind: "orders", required: true, wide: true,
      describe: describeOrder, query: query.customer_id ? { customer_id: query.customer_id } : {} },
    { name: "amount", label: t("invoice.amount"), type: "money", required: true },
    { name: "number", label: t("invoice.number"), maxLength: 60, placeholder: t("invoice.number_placeholder") },
    { name: "issued_at", label: t("invoice.issued_at"), type: "datetime" },
  ];
  return html`<section>
    <${PageHeader} title=${t("invoices.new")} back="#/invoices" />
    <${Form} fields=${fields} initial=${{ order_id: query.order_id || "", amount: "", number: "", issued_at: "" }}
      hints=${{ number: t("invoice.number_hint") }}
      submit=${(body, key) => api.post("/invoices", body, { key })}
      onDone=${() => { toast(t("invoice.issued")); location.hash = "#/invoices"; }} onCancel=${() => history.back()} />
  </section>`;
}

export default function Invoices({ query, user, path }) {
  const [n, setN] = useState(0);
  if (path === "/invoices/new") return html`<${IssueInvoice} query=${query} />`;
  const finance = ["finance", "admin"].includes(user.role);
  return html`<${ListPage} listKey="invoices" title=${t("invoices.title")} path="/invoices" query=${query} refreshKey=${n}
    filters=${[{ name: "status", label: t("invoice.status"), type: "select",
      options: ["issued", "void"].map((s) => [s, label("invoice_status", s)]) }]}
    columns=${[
      { key: "number", label: t("invoice.number"), main: true, render: (r) => html`${r.number || r.id.slice(0, 8)}${r.number_source === "manual"
        ? html` <span class="badge" title=${t("invoice.manual_title")}>${t("invoice.manual")}</span>` : ""}` },
      { key: "customer_name", label: t("finance.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} name=${r.customer_name} />` },
      { key: "order_id", label: t("invoice.order"), render: (r) => html`<a href=${`#/orders/${r.order_id}`}>${r.order_id.slice(0, 8)}</a>` },
      { key: "amount", label: t("invoice.amount"), num: true, render: (r) => money(r.amount) },
      { key: "issued_at", label: t("invoice.issued_at"), render: (r) => date(r.issued_at) },
      { key: "status", label: t("invoice.status"), render: (r) => html`<${Badge} group="invoice_status" code=${r.status} />` },
      ...(finance ? [{ key: "actions", label: "", render: (r) => r.status === "issued" && html`<${ActionButton} label=${t("invoice.void")} danger
        input=${{ label: t("invoice.void_reason"), required: true }} done=${t("invoice.voided")}
        run=${(reason) => api.post(`/invoices/${r.id}/void`, { reason })} onDone=${() => setN(n + 1)} />` }] : []),
    ]}
    rowHref=${(r) => `#/orders/${r.order_id}`}
    actions=${finance && html`<a class="button primary" href=${`#/invoices/new${query.customer_id ? `?customer_id=${query.customer_id}` : ""}`}>${t("invoices.new")}</a>`}
    baseQuery=${Object.fromEntries(["customer_id", "order_id"].filter((k) => query[k]).map((k) => [k, query[k]]))} />`;
}
