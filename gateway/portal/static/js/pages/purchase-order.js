// One purchase order: its lines (received of ordered), receiving, and the supplier's
// invoices and the payments made against it.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, label, mergeCatalogues, money, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
import fin from "../i18n/finance.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";
import { RecordName } from "../names.js";

mergeCatalogues(cat);
mergeCatalogues(fin);

function MoneyDocs({ title, path, fields, columns, addLabel, onChange }) {
  const [list, error, reload] = useApi(path, { per_page: 100 });
  const [open, setOpen] = useState(false);
  return html`<section>
    <h2>${title}</h2>
    ${!open && html`<button type="button" onClick=${() => setOpen(true)}>${addLabel}</button>`}
    ${open && html`<${Form} compact fields=${fields} submit=${(body, key) => api.post(path, body, { key })}
      onDone=${() => { toast(t("form.saved")); setOpen(false); reload(); onChange(); }} onCancel=${() => setOpen(false)} />`}
    ${!list ? html`<${Pending} data=${list} error=${error} />` : html`<table class="list"><thead><tr>
      ${columns.map(([, heading]) => html`<th>${heading}</th>`)}</tr></thead>
      <tbody>${list.items.map((r) => html`<tr>${columns.map(([render, heading]) => html`<td data-label=${heading}>${render(r)}</td>`)}</tr>`)}</tbody></table>`}
  </section>`;
}

export default function PurchaseOrder({ params }) {
  const [po, error, reload] = useApi(`/purchase-orders/${params.id}`);
  if (!po) return html`<${Pending} data=${po} error=${error} />`;
  return html`<section class="record">
    <${PageHeader} title=${t("po.detail")} back="#/purchase-orders"
      status=${html`<${Badge} group="po_status" code=${po.status} />`}
      actions=${po.status !== "received" && html`<${ActionButton} label=${t("po.receive")} primary done=${t("po.received")}
        run=${() => api.post(`/purchase-orders/${po.id}/receive`, {})} onDone=${reload} />`} />
    <${Details} items=${[
      [t("po.supplier"), html`<${RecordName} kind="suppliers" id=${po.supplier_id} />`],
      [t("po.warehouse"), html`<${RecordName} kind="warehouses" id=${po.warehouse_id} />`],
      [t("po.total"), money(po.total)],
      [t("po.invoiced"), money(po.invoiced_amount)],
      [t("po.paid"), money(po.paid_amount)],
      [t("record.created_at"), date(po.created_at)],
    ]} />
    <table class="list"><thead><tr><th>${t("stock.product")}</th><th class="num">${t("po.received_of")}</th>
      <th class="num">${t("po.unit_price")}</th><th class="num">${t("po.amount")}</th></tr></thead>
      <tbody>${po.lines.map((l) => html`<tr>
        <td data-label=${t("stock.product")}><${RecordName} kind="products" id=${l.product_id} /></td>
        <td data-label=${t("po.received_of")} class="num">${number(l.received)} / ${number(l.quantity)}</td>
        <td data-label=${t("po.unit_price")} class="num">${money(l.unit_price)}</td>
        <td data-label=${t("po.amount")} class="num">${money(l.amount)}</td></tr>`)}</tbody></table>
    <${MoneyDocs} title=${t("po.invoices")} path=${`/purchase-orders/${po.id}/invoices`} addLabel=${t("po.add_invoice")} onChange=${reload}
      fields=${[{ name: "number", label: t("po.invoice_number"), required: true, maxLength: 80 },
        { name: "amount", label: t("po.amount"), type: "money", required: true },
        { name: "invoice_date", label: t("po.invoice_date"), type: "date" }]}
      columns=${[[(r) => r.number, t("po.invoice_number")], [(r) => money(r.amount), t("po.amount")], [(r) => date(r.invoice_date), t("po.invoice_date")]]} />
    <${MoneyDocs} title=${t("po.payments")} path=${`/purchase-orders/${po.id}/payments`} addLabel=${t("po.add_payment")} onChange=${reload}
      fields=${[{ name: "amount", label: t("po.amount"), type: "money", required: true },
        { name: "method", label: t("po.method"), type: "select", required: true,
          options: ["bank_transfer", "cash", "cheque", "bank_acceptance_bill", "other"].map((m) => [m, label("method", m)]) },
        { name: "paid_at", label: t("po.paid_at"), type: "datetime" }]}
      columns=${[[(r) => money(r.amount), t("po.amount")], [(r) => label("method", r.method), t("po.method")], [(r) => dateTime(r.paid_at || r.created_at), t("po.paid_at")]]} />
  </section>`;
}
