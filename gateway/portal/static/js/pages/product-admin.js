// Products for the warehouse and administrators: create, change (prices are the
// administrator's), and import a whole catalogue from a CSV or Excel file.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, mergeCatalogues, money, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
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

function Import({ onDone }) {
  const [problem, setProblem] = useState(null);
  const upload = async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    setProblem(null);
    try {
      const job = await api.upload("/products/imports", form);
      const done = job.status === "done" ? job : await api.get(`/products/imports/${job.id}`);
      toast(t("products.import_done", { created: number(done.created), errors: number((done.errors || []).length) }));
      onDone();
    } catch (err) {
      setProblem(err);
    }
    event.target.value = "";
  };
  return html`<div class="field"><label for="product-file">${t("products.import")}</label>
    <input id="product-file" type="file" accept=".csv,.xlsx" onChange=${upload} />
    ${problem && html`<div class="form-error" role="alert">${errorText(problem)}</div>`}</div>`;
}

export default function ProductAdmin({ query, user }) {
  const admin = user.role === "admin";
  const [n, setN] = useState(0);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(null);
  const fields = productFields(admin);
  const asInitial = (p) => Object.fromEntries(fields.map((f) => [f.name, p[f.name] === null || p[f.name] === undefined ? "" : String(p[f.name])]));
  return html`<section>
    <${PageHeader} title=${t("products.admin")} actions=${!adding && html`<button type="button" class="primary" onClick=${() => setAdding(true)}>${t("products.new")}</button>`} />
    <${Import} onDone=${() => setN(n + 1)} />
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
