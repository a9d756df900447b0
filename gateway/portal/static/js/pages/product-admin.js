// Products for the warehouse and administrators: create, change (prices are the
// administrator's), and import a whole catalogue from a CSV, TSV or Excel file with the
// import panel every import page uses (ui/import-panel.js: preview and column mapping, new
// or update by code or name, progress, failed rows, undo) and the past product imports.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, mergeCatalogues, money, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
import { askUndo, historyColumns, ImportPanel, UndoRefusal } from "../ui/import-panel.js";
import { ListPage } from "../ui/list.js";
import { PageHeader } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { toast } from "../ui/feedback.js";

mergeCatalogues(cat);

function productFields(admin) {
  return [
    { name: "sku", label: t("product.sku"), required: true, maxLength: 80 },
    { name: "name", label: t("product.name"), required: true, maxLength: 300 },
    { name: "spec", label: t("product.spec"), maxLength: 300 },
    { name: "unit", label: t("product.unit"), required: true, maxLength: 40 },
    { name: "list_price", label: t("product.list_price"), type: "money", required: true, readOnly: !admin },
    ...(admin ? [{ name: "cost_price", label: t("product.cost_price"), type: "money" }] : []),
    { name: "safety_stock", label: t("product.safety_stock"), type: "integer" },
  ];
}

export default function ProductAdmin({ query, user }) {
  const admin = user.role === "admin";
  const [n, setN] = useState(0);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(null);
  const [importing, setImporting] = useState(false);
  const [refused, setRefused] = useState(null);
  const [problem, setProblem] = useState(null);
  const reload = () => setN((x) => x + 1);
  const undo = async (id) => {
    const answer = await askUndo(id, setRefused);
    reload();
    return answer;
  };
  const fields = productFields(admin);
  const asInitial = (p) => Object.fromEntries(fields.map((f) => [f.name, p[f.name] === null || p[f.name] === undefined ? "" : String(p[f.name])]));
  return html`<section>
    <${PageHeader} title=${t("products.admin")} actions=${!adding && html`<button type="button" class="primary" onClick=${() => setAdding(true)}>${t("products.new")}</button>`} />
    <details class="product-import" open=${importing} onToggle=${(e) => setImporting(e.target.open)}>
      <summary>${t("products.import")}</summary>
      <${ImportPanel} kinds=${["products"]} onChange=${reload} />
      <h3>${t("imports.products_history")}</h3>
      <${UndoRefusal} error=${refused} />
      ${problem && html`<div class="form-error" role="alert">${errorText(problem)}</div>`}
      ${importing && html`<${ListPage} headerless listKey="product-imports" path="/products/imports" query=${{}} refreshKey=${n}
        columns=${historyColumns({ onUndo: undo, onError: setProblem, showKind: false })} />`}
    </details>
    ${adding && html`<${Form} fields=${fields} initial=${{ sku: "", name: "", spec: "", unit: "", list_price: "", cost_price: "", safety_stock: "0" }}
      submit=${(body, key) => api.post("/products", body, { key })}
      onDone=${() => { toast(t("form.created")); setAdding(false); setN(n + 1); }} onCancel=${() => setAdding(false)} />`}
    ${editing && html`<h2>${editing.sku} · ${editing.name}</h2><${Form} fields=${fields} editing initial=${asInitial(editing)}
      submit=${(body) => api.patch(`/products/${editing.id}`, body)}
      onDone=${() => { toast(t("form.saved")); setEditing(null); setN(n + 1); }} onCancel=${() => setEditing(null)} />`}
    <${ListPage} headerless listKey="product-admin" path="/products" query=${query} refreshKey=${n} searchParam="q"
      columns=${[
        { key: "sku", label: t("product.sku"), main: true },
        { key: "name", label: t("product.name"), render: (r) => `${r.name}${r.spec ? ` ${r.spec}` : ""}` },
        { key: "unit", label: t("product.unit") },
        { key: "list_price", label: t("product.list_price"), num: true, render: (r) => money(r.list_price) },
        { key: "safety_stock", label: t("product.safety_stock"), num: true, render: (r) => number(r.safety_stock) },
        { key: "edit", label: "", render: (r) => html`<button type="button" class="link" onClick=${() => setEditing(r)}>${t("product.edit")}</button>` },
      ]}
      rowHref=${(r) => `#/products/${r.id}`} />
  </section>`;
}
