// Goods that leave the warehouse without an order: loans and samples to customers (and
// their return), and requisitions for internal use.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, label, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
import { ListPage } from "../ui/list.js";
import { Badge, CustomerLink, PageHeader } from "../ui/page.js";
import { DocumentForm, warehouseField } from "../ui/document.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";
import { RecordName } from "../names.js";

mergeCatalogues(cat);

const linesCell = (r, withReturned = false) => html`${(r.lines || []).map((l) => html`<div>
  <${RecordName} kind="products" id=${l.product_id} /> × ${number(l.quantity)}${withReturned && l.returned ? ` (${t("loan.returned")} ${number(l.returned)})` : ""}</div>`)}`;

function Loans({ query }) {
  const [n, setN] = useState(0);
  const [open, setOpen] = useState(false);
  const fields = [
    { name: "customer_id", label: t("loan.customer"), type: "record", kind: "loans/customers", required: true },
    warehouseField("warehouse_id", t("loan.warehouse")),
    { name: "kind", label: t("loan.kind"), type: "select", noEmpty: true, options: ["loan", "sample"].map((k) => [k, label("loan_kind", k)]) },
    { name: "due_date", label: t("loan.due_date"), type: "date" },
    { name: "note", label: t("loan.note"), maxLength: 300, wide: true },
  ];
  const giveBack = (r) => {
    const lines = r.lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity - l.returned })).filter((l) => l.quantity > 0);
    return api.post(`/loans/${r.id}/returns`, { lines });
  };
  return html`<section>
    <${PageHeader} title=${t("loans.title")} actions=${!open && html`<button type="button" class="primary" onClick=${() => setOpen(true)}>${t("loans.new")}</button>`} />
    ${open && html`<${DocumentForm} fields=${fields} path="/loans"
      onDone=${() => { toast(t("form.created")); setOpen(false); setN(n + 1); }} onCancel=${() => setOpen(false)} />`}
    <${ListPage} headerless listKey="loans" path="/loans" query=${query} refreshKey=${n} columns=${[
      { key: "created_at", label: t("receipt.created_at"), main: true, render: (r) => date(r.created_at) },
      { key: "customer", label: t("loan.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} name=${r.customer_name} />` },
      { key: "kind", label: t("loan.kind"), render: (r) => label("loan_kind", r.kind) },
      { key: "lines", label: t("receipt.lines"), render: (r) => linesCell(r, true) },
      { key: "due_date", label: t("loan.due_date"), render: (r) => date(r.due_date) },
      { key: "status", label: t("loan.status"), render: (r) => html`<${Badge} group="loan_status" code=${r.status} />` },
      { key: "back", label: "", render: (r) => r.status !== "returned" && html`<${ActionButton} label=${t("loan.return_all")}
        confirm=${t("loan.return_all")} done=${t("loan.returned")} run=${() => giveBack(r)} onDone=${() => setN(n + 1)} />` },
    ]} />
  </section>`;
}

function Requisitions({ query }) {
  const [n, setN] = useState(0);
  const [open, setOpen] = useState(false);
  const fields = [
    warehouseField("warehouse_id", t("requisition.warehouse")),
    { name: "purpose", label: t("requisition.purpose"), required: true, maxLength: 300 },
    { name: "department", label: t("requisition.department"), maxLength: 120 },
  ];
  return html`<section>
    <${PageHeader} title=${t("requisitions.title")} actions=${!open && html`<button type="button" class="primary" onClick=${() => setOpen(true)}>${t("requisitions.new")}</button>`} />
    ${open && html`<${DocumentForm} fields=${fields} path="/requisitions"
      onDone=${() => { toast(t("form.created")); setOpen(false); setN(n + 1); }} onCancel=${() => setOpen(false)} />`}
    <${ListPage} headerless listKey="requisitions" path="/requisitions" query=${query} refreshKey=${n} columns=${[
      { key: "created_at", label: t("receipt.created_at"), main: true, render: (r) => date(r.created_at) },
      { key: "warehouse_id", label: t("requisition.warehouse"), render: (r) => html`<${RecordName} kind="warehouses" id=${r.warehouse_id} />` },
      { key: "department", label: t("requisition.department") },
      { key: "purpose", label: t("requisition.purpose") },
      { key: "lines", label: t("receipt.lines"), render: (r) => linesCell(r) },
    ]} />
  </section>`;
}

export default function LoansPage({ path, query }) {
  return path === "/requisitions" ? html`<${Requisitions} query=${query} />` : html`<${Loans} query=${query} />`;
}
