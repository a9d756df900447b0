// Stock per product and warehouse (with low-stock alerts), goods receipts, transfers between
// warehouses, and stocktaking as a count sheet.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
import { ListPage } from "../ui/list.js";
import { PageHeader, Pending, Tabs, useApi } from "../ui/page.js";
import { Field } from "../ui/form.js";
import { DocumentForm, warehouseField } from "../ui/document.js";
import { toast } from "../ui/feedback.js";
import { RecordName } from "../names.js";

mergeCatalogues(cat);

const productCell = (r) => (r.product_name ? `${r.sku} · ${r.product_name}` : html`<${RecordName} kind="products" id=${r.product_id} />`);

function Levels({ query }) {
  return html`<${ListPage} headerless listKey="stock" path="/stock" query=${query}
    filters=${[{ name: "warehouse_id", label: t("stock.warehouse"), type: "user", render: ({ id, value, change }) => html`
      <${Field} field=${{ ...warehouseField("warehouse_id", ""), required: false }} value=${value || ""} onInput=${change} />` }]}
    columns=${[
      { key: "product", label: t("stock.product"), main: true, render: productCell },
      { key: "warehouse", label: t("stock.warehouse"), render: (r) => r.warehouse_name || html`<${RecordName} kind="warehouses" id=${r.warehouse_id} />` },
      { key: "on_hand", label: t("stock.on_hand"), num: true, render: (r) => number(r.on_hand) },
      { key: "reserved", label: t("stock.reserved"), num: true, render: (r) => number(r.reserved) },
      { key: "available", label: t("stock.available"), num: true, render: (r) => number(r.available) },
    ]} />`;
}

function LowStock({ query }) {
  return html`<${ListPage} headerless listKey="low-stock" path="/alerts/low-stock" query=${query}
    columns=${[
      { key: "name", label: t("stock.product"), main: true, render: (r) => `${r.sku} · ${r.name}` },
      { key: "available", label: t("stock.available"), num: true, render: (r) => number(r.available) },
      { key: "safety_stock", label: t("stock.safety"), num: true, render: (r) => number(r.safety_stock) },
    ]} />`;
}

function Documents({ title, newTitle, path, fields, columns, query }) {
  const [n, setN] = useState(0);
  const [open, setOpen] = useState(false);
  return html`<section>
    <${PageHeader} title=${title} actions=${!open && html`<button type="button" class="primary" onClick=${() => setOpen(true)}>${newTitle}</button>`} />
    ${open && html`<h2>${newTitle}</h2><${DocumentForm} fields=${fields} path=${path}
      onDone=${() => { toast(t("form.created")); setOpen(false); setN(n + 1); }} onCancel=${() => setOpen(false)} />`}
    <${ListPage} headerless listKey=${path} path=${path} query=${query} refreshKey=${n} columns=${[
      { key: "created_at", label: t("receipt.created_at"), main: true, render: (r) => dateTime(r.created_at) },
      ...columns,
      { key: "lines", label: t("receipt.lines"), render: (r) => html`${(r.lines || []).map((l) => html`<div><${RecordName} kind="products" id=${l.product_id} /> × ${number(l.quantity ?? l.counted)}</div>`)}` },
    ]} />
  </section>`;
}

function CountSheet({ query }) {
  const [warehouse, setWarehouse] = useState("");
  const [levels] = useApi(warehouse ? "/stock" : null, { warehouse_id: warehouse, per_page: 200 });
  const [counted, setCounted] = useState({});
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const [n, setN] = useState(0);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    const lines = Object.entries(counted).filter(([, v]) => v !== "").map(([product_id, v]) => ({ product_id, counted: Number(v) }));
    try {
      await api.post("/stock/adjustments", { warehouse_id: warehouse, lines, reason: reason.trim() });
      toast(t("count.done"));
      setCounted({});
      setN(n + 1);
    } catch (err) {
      setError(err);
    }
  };
  return html`<section>
    <${PageHeader} title=${t("count.title")} />
    <div class="form">
      <${Field} field=${warehouseField("count_warehouse", t("count.warehouse"))} value=${warehouse} onInput=${(v) => { setWarehouse(v); setCounted({}); }} />
      ${warehouse && !levels && html`<${Pending} data=${levels} error=${null} />`}
      ${levels && html`<form onSubmit=${submit}>
        <table class="list"><thead><tr><th>${t("stock.product")}</th><th class="num">${t("stock.on_hand")}</th><th class="num">${t("count.counted")}</th></tr></thead>
        <tbody>${levels.items.map((l) => html`<tr>
          <td data-label=${t("stock.product")}>${productCell(l)}</td>
          <td data-label=${t("stock.on_hand")} class="num">${number(l.on_hand)}</td>
          <td data-label=${t("count.counted")} class="num"><input inputmode="numeric" aria-label=${t("count.counted")} value=${counted[l.product_id] ?? ""}
            placeholder=${String(l.on_hand)} onInput=${(e) => setCounted({ ...counted, [l.product_id]: e.target.value })} /></td></tr>`)}</tbody></table>
        <div class="field"><label for="count-reason">${t("count.reason")} <em class="req">*</em></label>
          <input id="count-reason" required value=${reason} onInput=${(e) => setReason(e.target.value)} /></div>
        ${error && html`<div class="form-error" role="alert">${errorText(error)}</div>`}
        <div class="form-actions"><button type="submit" class="primary">${t("count.submit")}</button></div>
      </form>`}
    </div>
    <h2>${t("count.history")}</h2>
    <${ListPage} headerless listKey="adjustments" path="/stock/adjustments" query=${query} refreshKey=${n} columns=${[
      { key: "created_at", label: t("receipt.created_at"), main: true, render: (r) => dateTime(r.created_at) },
      { key: "warehouse_id", label: t("stock.warehouse"), render: (r) => html`<${RecordName} kind="warehouses" id=${r.warehouse_id} />` },
      { key: "reason", label: t("count.reason") },
    ]} />
  </section>`;
}

export default function StockPage({ path, query }) {
  const whCol = (key, labelKey) => ({ key, label: t(labelKey), render: (r) => html`<${RecordName} kind="warehouses" id=${r[key]} />` });
  if (path === "/stock/receipts") {
    return html`<${Documents} title=${t("receipts.title")} newTitle=${t("receipts.new")} path="/stock/receipts" query=${query}
      fields=${[warehouseField("warehouse_id", t("receipt.warehouse"))]} columns=${[whCol("warehouse_id", "receipt.warehouse")]} />`;
  }
  if (path === "/stock/transfers") {
    return html`<${Documents} title=${t("transfers.title")} newTitle=${t("transfers.new")} path="/stock/transfers" query=${query}
      fields=${[warehouseField("from_warehouse_id", t("transfer.from")), warehouseField("to_warehouse_id", t("transfer.to"))]}
      columns=${[whCol("from_warehouse_id", "transfer.from"), whCol("to_warehouse_id", "transfer.to")]} />`;
  }
  if (path === "/stock/count") return html`<${CountSheet} query=${query} />`;
  return html`<section>
    <${PageHeader} title=${t("stock.title")} />
    <${Tabs} query=${query} tabs=${[
      { key: "levels", label: t("stock.title"), render: () => html`<${Levels} query=${query} />` },
      { key: "low", label: t("stock.low"), render: () => html`<${LowStock} query=${query} />` },
    ]} />
  </section>`;
}
