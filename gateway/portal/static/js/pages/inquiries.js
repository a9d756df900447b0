// Purchase inquiries (询价单): ask several suppliers for the same products and quantities,
// enter each supplier's offer (price and lead time per product), compare them side by side
// (the cheapest complete offer marked), then turn the chosen offer into a purchase order.
import { html, useState } from "../lib.js";
import { api, newKey } from "../api.js";
import { date, dateTime, errorText, label, mergeCatalogues, money, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
import { ListPage } from "../ui/list.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { DocumentForm, warehouseField } from "../ui/document.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { RecordName } from "../names.js";

mergeCatalogues(cat);

const STATUSES = ["open", "ordered", "cancelled"];

function SupplierChecklist({ chosen, setChosen }) {
  const [list] = useApi("/suppliers", { per_page: 200 });
  if (!list) return html`<p class="muted">${t("app.loading")}</p>`;
  const toggle = (id) => setChosen(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
  return html`<fieldset class="field wide checklist" data-testid="inquiry-suppliers">
    <legend>${t("inquiry.suppliers")} <em class="req">*</em></legend>
    ${list.items.length === 0 && html`<p class="muted">${t("inquiry.no_suppliers")}</p>`}
    ${list.items.map((s) => html`<label class="check"><input type="checkbox" checked=${chosen.includes(s.id)}
      onChange=${() => toggle(s.id)} /> ${s.name}</label>`)}
  </fieldset>`;
}

function Inquiries({ query }) {
  const [open, setOpen] = useState(false);
  const [n, setN] = useState(0);
  const [chosen, setChosen] = useState([]);
  const fields = [
    warehouseField("warehouse_id", t("po.warehouse")),
    { name: "reply_by", label: t("inquiry.reply_by"), type: "date" },
    { name: "note", label: t("inquiry.note"), type: "textarea", rows: 2, wide: true, maxLength: 500 },
  ];
  return html`<section>
    <${PageHeader} title=${t("inquiry.title")} subtitle=${t("inquiry.subtitle")}
      actions=${!open && html`<button type="button" class="primary" onClick=${() => setOpen(true)}>${t("inquiry.new")}</button>`} />
    ${open && html`<${DocumentForm} fields=${fields} path="/purchase-inquiries" more=${{ supplier_ids: chosen }}
      submitLabel=${t("inquiry.send")}
      onDone=${(saved) => { toast(t("inquiry.created")); setOpen(false); setChosen([]); setN(n + 1); location.hash = `#/purchase-inquiries/${saved.id}`; }}
      onCancel=${() => setOpen(false)}><${SupplierChecklist} chosen=${chosen} setChosen=${setChosen} /></${DocumentForm}>`}
    <${ListPage} headerless listKey="purchase-inquiries" path="/purchase-inquiries" query=${query} refreshKey=${n}
      filters=${[{ name: "status", label: t("po.status"), type: "select", options: STATUSES.map((s) => [s, label("inquiry_status", s)]) }]}
      columns=${[
        { key: "created_at", label: t("receipt.created_at"), main: true, render: (r) => date(r.created_at) },
        { key: "warehouse_id", label: t("po.warehouse"), render: (r) => html`<${RecordName} kind="warehouses" id=${r.warehouse_id} />` },
        { key: "replies", label: t("inquiry.replies"), render: (r) => t("inquiry.replied_of", { replied: r.suppliers_replied, asked: r.suppliers_asked }) },
        { key: "reply_by", label: t("inquiry.reply_by"), render: (r) => date(r.reply_by) },
        { key: "status", label: t("po.status"), render: (r) => html`<${Badge} group="inquiry_status" code=${r.status} />` },
      ]}
      rowHref=${(r) => `#/purchase-inquiries/${r.id}`} emptyHint=${t("inquiry.empty_hint")} />
  </section>`;
}

/** The offer form's rows: one per line of the inquiry, the supplier's last prices prefilled. */
export function offerRows(inquiry, supplierId) {
  const supplier = (inquiry.suppliers || []).find((s) => s.supplier_id === supplierId);
  const last = new Map(((supplier && supplier.offers) || []).map((o) => [o.product_id, o]));
  return inquiry.lines.map((l) => ({ product_id: l.product_id, unit_price: last.has(l.product_id) ? last.get(l.product_id).unit_price : "",
    lead_days: last.has(l.product_id) && last.get(l.product_id).lead_days !== null ? String(last.get(l.product_id).lead_days) : "" }));
}

/** The API's offer lines from the form's rows: priced rows only. */
export function offerBody(rows) {
  return rows.filter((r) => String(r.unit_price).trim() !== "").map((r) => ({
    product_id: r.product_id, unit_price: String(r.unit_price).trim().replace(/,/g, ""),
    lead_days: /^\d+$/.test(String(r.lead_days).trim()) ? Number(r.lead_days) : null,
  }));
}

function OfferForm({ inquiry, onSaved }) {
  const [supplierId, setSupplierId] = useState("");
  const [rows, setRows] = useState([]);
  const [note, setNote] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const pick = (id) => {
    setSupplierId(id);
    setRows(id ? offerRows(inquiry, id) : []);
    const s = inquiry.suppliers.find((x) => x.supplier_id === id);
    setNote((s && s.reply_note) || "");
  };
  const set = (i, change) => setRows(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/purchase-inquiries/${inquiry.id}/offers`, { supplier_id: supplierId, note: note.trim() || null, lines: offerBody(rows) },
        { key: newKey() });
      toast(t("inquiry.offer_saved"));
      pick("");
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const names = new Map(inquiry.lines.map((l) => [l.product_id, `${l.sku} · ${l.product_name}`]));
  return html`<form class="form offer-form" onSubmit=${save} data-testid="offer-form">
    <h2>${t("inquiry.enter_offer")}</h2>
    <div class="field"><label for="offer-supplier">${t("inquiry.supplier")}</label>
      <select id="offer-supplier" value=${supplierId} onChange=${(e) => pick(e.target.value)}>
        <option value="">${t("form.choose")}</option>
        ${inquiry.suppliers.map((s) => html`<option value=${s.supplier_id}>${s.name}</option>`)}
      </select></div>
    ${supplierId && html`<table class="list lines-table"><thead><tr><th>${t("lines.product")}</th><th class="num">${t("lines.quantity")}</th>
        <th class="num">${t("po.unit_price")}</th><th class="num">${t("inquiry.lead_days")}</th></tr></thead>
      <tbody>${rows.map((r, i) => html`<tr data-product=${r.product_id}>
        <td data-label=${t("lines.product")}>${names.get(r.product_id)}</td>
        <td class="num" data-label=${t("lines.quantity")}>${number(inquiry.lines[i].quantity)}</td>
        <td class="num" data-label=${t("po.unit_price")}><input name="unit_price" inputmode="decimal" aria-label=${`${t("po.unit_price")} ${names.get(r.product_id)}`}
          value=${r.unit_price} onInput=${(e) => set(i, { unit_price: e.target.value })} /></td>
        <td class="num" data-label=${t("inquiry.lead_days")}><input name="lead_days" inputmode="numeric" aria-label=${`${t("inquiry.lead_days")} ${names.get(r.product_id)}`}
          value=${r.lead_days} onInput=${(e) => set(i, { lead_days: e.target.value })} /></td>
      </tr>`)}</tbody></table>
      <div class="field wide"><label for="offer-note">${t("inquiry.offer_note")}</label>
        <input id="offer-note" maxlength="500" value=${note} onInput=${(e) => setNote(e.target.value)} /></div>`}
    ${error && html`<div class="form-error" role="alert">${errorText(error)}</div>`}
    <div class="form-actions"><button type="submit" class="primary" disabled=${busy || !supplierId}>${t("inquiry.save_offer")}</button></div>
  </form>`;
}

function Compare({ inquiry, onOrdered }) {
  const order = async (s) => {
    if (!(await confirmDialog({ title: t("inquiry.order"), message: t("inquiry.order_confirm", { name: s.name, total: money(s.total) }),
      confirmLabel: t("inquiry.order") }))) return;
    try {
      const po = await api.post(`/purchase-inquiries/${inquiry.id}/order`, { supplier_id: s.supplier_id }, { key: newKey() });
      toast(t("inquiry.ordered"));
      onOrdered(po);
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const open = inquiry.status === "open";
  return html`<div class="table-wrap"><table class="list compare" data-testid="inquiry-compare">
    <thead><tr><th>${t("inquiry.supplier")}</th>
      ${inquiry.lines.map((l) => html`<th class="num">${l.product_name} × ${number(l.quantity)}</th>`)}
      <th class="num">${t("po.total")}</th><th class="num">${t("inquiry.lead_days")}</th><th></th></tr></thead>
    <tbody>${inquiry.suppliers.map((s) => {
      const prices = new Map(s.offers.map((o) => [o.product_id, o]));
      return html`<tr data-supplier=${s.name} class=${s.cheapest ? "best" : ""}>
        <td class="main" data-label=${t("inquiry.supplier")}>${s.name}
          ${s.cheapest && html` <span class="badge good">${t("inquiry.cheapest")}</span>`}
          ${!s.replied_at && html` <span class="badge wait">${t("inquiry.waiting")}</span>`}
          ${s.replied_at && !s.complete && html` <span class="badge bad">${t("inquiry.partial")}</span>`}
          ${s.reply_note && html`<div class="muted">${s.reply_note}</div>`}</td>
        ${inquiry.lines.map((l) => html`<td class="num" data-label=${l.product_name}>${prices.has(l.product_id) ? money(prices.get(l.product_id).unit_price) : "—"}</td>`)}
        <td class="num" data-label=${t("po.total")}>${s.total === null ? "—" : money(s.total)}</td>
        <td class="num" data-label=${t("inquiry.lead_days")}>${s.lead_days === null ? "—" : t("inquiry.days", { n: s.lead_days })}</td>
        <td>${open && s.complete && html`<button type="button" class=${s.cheapest ? "primary" : ""} onClick=${() => order(s)}>${t("inquiry.order")}</button>`}</td>
      </tr>`;
    })}</tbody></table></div>`;
}

function Inquiry({ params }) {
  const [inquiry, error, reload] = useApi(`/purchase-inquiries/${params.id}`);
  if (!inquiry) return html`<${Pending} data=${inquiry} error=${error} />`;
  const cancel = async () => {
    if (!(await confirmDialog({ message: t("inquiry.cancel_confirm"), danger: true, confirmLabel: t("inquiry.cancel") }))) return;
    try {
      await api.post(`/purchase-inquiries/${inquiry.id}/cancel`);
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return html`<section class="record">
    <${PageHeader} title=${t("inquiry.one")} back="#/purchase-inquiries"
      status=${html`<span data-testid="inquiry-status" data-status=${inquiry.status}><${Badge} group="inquiry_status" code=${inquiry.status} /></span>`}
      actions=${html`${inquiry.purchase_order_id && html`<a class="button primary" href=${`#/purchase-orders/${inquiry.purchase_order_id}`}>${t("inquiry.open_po")}</a>`}
        ${inquiry.status === "open" && html`<button type="button" class="danger" onClick=${cancel}>${t("inquiry.cancel")}</button>`}`} />
    <${Details} items=${[
      [t("po.warehouse"), html`<${RecordName} kind="warehouses" id=${inquiry.warehouse_id} />`],
      [t("inquiry.replies"), t("inquiry.replied_of", { replied: inquiry.suppliers_replied, asked: inquiry.suppliers_asked })],
      [t("inquiry.reply_by"), date(inquiry.reply_by)],
      [t("record.created_at"), dateTime(inquiry.created_at)],
      inquiry.note && [t("inquiry.note"), inquiry.note],
      inquiry.ordered_supplier_id && [t("inquiry.ordered_from"), html`<${RecordName} kind="suppliers" id=${inquiry.ordered_supplier_id} />`],
    ]} />
    <h2>${t("inquiry.compare")}</h2>
    <${Compare} inquiry=${inquiry} onOrdered=${(po) => { location.hash = `#/purchase-orders/${po.id}`; }} />
    ${inquiry.status === "open" && html`<${OfferForm} inquiry=${inquiry} onSaved=${reload} />`}
  </section>`;
}

export default function InquiriesPage({ params, query }) {
  return params && params.id ? html`<${Inquiry} params=${params} />` : html`<${Inquiries} query=${query} />`;
}
