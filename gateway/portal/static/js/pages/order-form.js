// A new order: from scratch (customer, lines with the server's live totals, warehouse
// optional, fees, the requested delivery date) or from one of the customer's sent or
// accepted quotes. /orders/:id/edit edits one before it is confirmed (issue 16): a held
// order's lines, fees and date; a pending one (its stock requested) only fees and date.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api, newKey } from "../api.js";
import { date, errorText, label, money, t } from "../i18n.js";
import { RecordPicker } from "../ui/form.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { describeCustomer, useWarehouses } from "./sales-common.js";
import { LinesEditor, Totals, apiLines, lineFrom, newLine } from "./sales-lines.js";
import { LinesTable } from "./quote.js";
import { FeesEditor, apiFees, feeFrom } from "./order-parts.js";

function FromQuote({ customerId }) {
  const [sent] = useApi("/quotes", { customer_id: customerId, status: "sent", per_page: 20 });
  const [accepted] = useApi("/quotes", { customer_id: customerId, status: "accepted", per_page: 20 });
  const quotes = [...((sent && sent.items) || []), ...((accepted && accepted.items) || [])].filter((q) => !q.order_id);
  if (quotes.length === 0) return null;
  const convert = async (q) => {
    try {
      const order = await api.post(`/quotes/${q.id}/convert`, {}, { key: newKey() });
      toast(t("quote.converted"));
      location.hash = `#/orders/${order.id}`;
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return html`<section class="from-quote">
    <h2>${t("order.from_quote")}</h2>
    <ul class="cards">${quotes.map((q) => html`<li class="card">
      <a href=${`#/quotes/${q.id}`}><strong>${q.number}</strong></a> · ${label("quote_status", q.status)} · ${money(q.gross)}
      <div class="muted small">${t("quote.valid_until")} ${date(q.valid_until)}</div>
      <div class="card-actions"><button type="button" class="primary" onClick=${() => convert(q)}>${t("quote.convert")}</button></div>
    </li>`)}</ul>
  </section>`;
}

/** Lines for the API with each line's own delivery date (kept beside the shared line editor's fields). */
function orderLines(lines) {
  const { body, rows } = apiLines(lines);
  return body.map((ln, i) => (lines[rows[i]].delivery_date ? { ...ln, delivery_date: lines[rows[i]].delivery_date } : ln));
}

/** Each line's own delivery date (optional; the order's applies to the others). */
function LineDates({ lines, setLines }) {
  const chosen = lines.map((ln, i) => [ln, i]).filter(([ln]) => ln.product_id);
  if (chosen.length === 0) return null;
  const set = (i) => (e) => setLines(lines.map((l, j) => (j === i ? { ...l, delivery_date: e.target.value } : l)));
  return html`<details class="line-dates" data-testid="line-dates" open=${chosen.some(([ln]) => ln.delivery_date)}>
    <summary>${t("order.line_dates")}</summary>
    <div class="fields">${chosen.map(([ln, i]) => html`<div class="field" key=${ln.key}>
      <label for=${`ld${ln.key}`}>${t("quote.line_no", { n: i + 1 })} ${t("order.line_delivery")}</label>
      <input id=${`ld${ln.key}`} type="date" value=${ln.delivery_date || ""} onInput=${set(i)} />
    </div>`)}</div>
  </details>`;
}

export default function OrderForm({ params, query }) {
  const editId = params && params.id;
  const [customerId, setCustomerId] = useState(query.customer_id || "");
  const [warehouseId, setWarehouseId] = useState("");
  const [lines, setLines] = useState([newLine()]);
  const [fees, setFees] = useState([]);
  const [deliveryDate, setDeliveryDate] = useState("");
  const [editing, setEditing] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const warehouses = useWarehouses();
  useEffect(() => {
    if (!editId) return;
    api.get(`/orders/${editId}`).then((order) => {
      setEditing(order);
      setCustomerId(order.customer_id);
      setWarehouseId(order.warehouse_id || "");
      setLines(order.lines.map((ln) => ({ ...lineFrom(ln), delivery_date: ln.delivery_date || "" })));
      setFees((order.fees || []).map(feeFrom));
      setDeliveryDate(order.delivery_date || "");
    }).catch(setLoadError);
  }, [editId]);
  if (editId && !editing) return html`<${Pending} data=${editing} error=${loadError} />`;
  const linesLocked = editing && editing.status === "pending";
  const submit = async (event) => {
    event.preventDefault();
    const body = orderLines(lines);
    if (body.length === 0) {
      setError({ status: 422, code: "validation_failed", local: t("quote.need_lines") });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const extras = { fees: apiFees(fees), delivery_date: deliveryDate || null };
      if (editing) {
        const order = await api.patch(`/orders/${editing.id}`, linesLocked ? extras : { ...extras, lines: body });
        toast(editing.status === "pending_approval" && order.status === "pending" ? t("order.saved_placed") : t("order.saved"));
        location.hash = `#/orders/${order.id}`;
        return;
      }
      const order = await api.post("/orders", { customer_id: customerId, lines: body, warehouse_id: warehouseId || null, ...extras },
        { key: key.current });
      key.current = newKey();
      toast(t("order.created"));
      location.hash = `#/orders/${order.id}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<section>
    <${PageHeader} title=${editing ? t("order.edit_title", { number: editing.number }) : t("order.new")}
      back=${editing ? `#/orders/${editing.id}` : "#/orders"} />
    <form class="form lines-form" onSubmit=${submit} novalidate>
      ${editing && html`<p class="notice" data-testid="edit-hint">${t(linesLocked ? "order.edit_pending_hint" : "order.edit_held_hint")}</p>`}
      <div class="fields">
        ${!editing && html`<div class="field">
          <label for="o-customer">${t("order.customer")} <em class="req">*</em></label>
          <${RecordPicker} id="o-customer" kind="customers" value=${customerId} label=${describeCustomer} required
            onInput=${(v) => setCustomerId(v || "")} />
        </div>
        <div class="field">
          <label for="o-wh">${t("order.warehouse")}</label>
          <select id="o-wh" value=${warehouseId} onChange=${(e) => setWarehouseId(e.target.value)}>
            <option value="">${t("order.warehouse_any")}</option>
            ${warehouses.filter((w) => w.active !== false).map((w) => html`<option value=${w.id}>${w.name}</option>`)}
          </select>
        </div>`}
        <div class="field">
          <label for="o-delivery">${t("order.delivery_date")}</label>
          <input id="o-delivery" type="date" value=${deliveryDate} onInput=${(e) => setDeliveryDate(e.target.value)} />
          ${error && error.details && error.details.delivery_date && html`<small class="error">${errorText(error)}</small>`}
        </div>
      </div>
      <h2>${t("quote.lines")}</h2>
      ${linesLocked ? html`<${LinesTable} lines=${editing.lines} />` : html`
        <p class="muted small">${t("order.lines_hint")}</p>
        <${LinesEditor} customerId=${customerId} lines=${lines} setLines=${setLines} saveError=${error}
          pricing=${{ path: "/orders/preview", extra: { fees: apiFees(fees), warehouse_id: warehouseId || null } }} />
        <${LineDates} lines=${lines} setLines=${setLines} />`}
      <${FeesEditor} fees=${fees} setFees=${setFees} saveError=${error} locked=${linesLocked} />
      ${linesLocked && html`<${Totals} net=${editing.net} tax=${editing.tax} gross=${editing.gross} />`}
      ${error && html`<div class="form-error" role="alert">${error.local || errorText(error)}</div>`}
      <div class="form-actions">
        <a class="button" href=${editing ? `#/orders/${editing.id}` : "#/orders"}>${t("action.cancel")}</a>
        <button type="submit" class="primary" disabled=${busy || !customerId}>${t(editing ? "order.save" : "order.create")}</button>
      </div>
    </form>
    ${customerId && !editing && html`<${FromQuote} key=${customerId} customerId=${customerId} />`}
  </section>`;
}
