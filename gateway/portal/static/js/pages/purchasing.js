// Purchasing: purchase orders (create with unit prices, receive what arrived), suppliers,
// warehouses.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, label, mergeCatalogues, money, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
import { ListPage } from "../ui/list.js";
import { Badge, PageHeader } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { DocumentForm, warehouseField } from "../ui/document.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";
import { RecordName } from "../names.js";

mergeCatalogues(cat);

function PurchaseOrders({ query }) {
  const [n, setN] = useState(0);
  const [open, setOpen] = useState(false);
  const fields = [
    { name: "supplier_id", label: t("po.supplier"), type: "record", kind: "suppliers", required: true },
    warehouseField("warehouse_id", t("po.warehouse")),
  ];
  return html`<section>
    <${PageHeader} title=${t("po.title")} actions=${!open && html`<button type="button" class="primary" onClick=${() => setOpen(true)}>${t("po.new")}</button>`} />
    ${open && html`<${DocumentForm} fields=${fields} path="/purchase-orders" extra=${[{ name: "unit_price", label: t("po.unit_price") }]}
      onDone=${() => { toast(t("form.created")); setOpen(false); setN(n + 1); }} onCancel=${() => setOpen(false)} />`}
    <${ListPage} headerless listKey="purchase-orders" path="/purchase-orders" query=${query} refreshKey=${n}
      filters=${[{ name: "status", label: t("po.status"), type: "select", options: ["open", "partially_received", "received"].map((s) => [s, label("po_status", s)]) }]}
      columns=${[
        { key: "created_at", label: t("receipt.created_at"), main: true, render: (r) => date(r.created_at) },
        { key: "supplier_id", label: t("po.supplier"), render: (r) => html`<${RecordName} kind="suppliers" id=${r.supplier_id} />` },
        { key: "warehouse_id", label: t("po.warehouse"), render: (r) => html`<${RecordName} kind="warehouses" id=${r.warehouse_id} />` },
        { key: "lines", label: t("receipt.lines"), render: (r) => html`${r.lines.map((l) => html`<div><${RecordName} kind="products" id=${l.product_id} /> ${number(l.received)}/${number(l.quantity)}</div>`)}` },
        { key: "total", label: t("po.total"), num: true, render: (r) => money(r.total) },
        { key: "status", label: t("po.status"), render: (r) => html`<${Badge} group="po_status" code=${r.status} />` },
        { key: "open", label: "", render: (r) => html`<a href=${`#/purchase-orders/${r.id}`}>${t("action.open")}</a>` },
        { key: "receive", label: "", render: (r) => r.status !== "received" && html`<${ActionButton} label=${t("po.receive")} primary
          confirm=${r.lines.map((l) => `${l.quantity - l.received}`).join(" + ")} done=${t("po.received")}
          run=${() => api.post(`/purchase-orders/${r.id}/receive`, {})} onDone=${() => setN(n + 1)} />` },
      ]} />
  </section>`;
}

function Simple({ title, newTitle, path, fields, columns, query }) {
  const [n, setN] = useState(0);
  const [open, setOpen] = useState(false);
  return html`<section>
    <${PageHeader} title=${title} actions=${!open && html`<button type="button" class="primary" onClick=${() => setOpen(true)}>${newTitle}</button>`} />
    ${open && html`<${Form} fields=${fields} submit=${(body, key) => api.post(path, body, { key })}
      onDone=${() => { toast(t("form.created")); setOpen(false); setN(n + 1); }} onCancel=${() => setOpen(false)} />`}
    <${ListPage} headerless listKey=${path} path=${path} query=${query} refreshKey=${n} columns=${columns} />
  </section>`;
}

export default function Purchasing({ path, query }) {
  if (path === "/suppliers") {
    return html`<${Simple} title=${t("suppliers.title")} newTitle=${t("suppliers.new")} path="/suppliers" query=${query}
      fields=${[{ name: "name", label: t("supplier.name"), required: true, wide: true }, { name: "contact", label: t("supplier.contact") },
        { name: "phone", label: t("supplier.phone"), type: "tel" }, { name: "address", label: t("supplier.address"), wide: true }]}
      columns=${[{ key: "name", label: t("supplier.name"), main: true }, { key: "contact", label: t("supplier.contact") },
        { key: "phone", label: t("supplier.phone") }, { key: "address", label: t("supplier.address") }]} />`;
  }
  if (path === "/warehouses") {
    return html`<${Simple} title=${t("warehouses.title")} newTitle=${t("warehouses.new")} path="/warehouses" query=${query}
      fields=${[{ name: "code", label: t("warehouse.code"), required: true }, { name: "name", label: t("warehouse.name"), required: true },
        { name: "region", label: t("warehouse.region") }]}
      columns=${[{ key: "code", label: t("warehouse.code"), main: true }, { key: "name", label: t("warehouse.name") },
        { key: "region", label: t("warehouse.region") }]} />`;
  }
  return html`<${PurchaseOrders} query=${query} />`;
}
