// A new order: from scratch (customer, lines with the server's live totals, warehouse
// optional) or from one of the customer's sent or accepted quotes.
import { html, useRef, useState } from "../lib.js";
import { api, newKey } from "../api.js";
import { date, errorText, label, money, t } from "../i18n.js";
import { RecordPicker } from "../ui/form.js";
import { PageHeader, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { describeCustomer, useWarehouses } from "./sales-common.js";
import { LinesEditor, apiLines, newLine } from "./sales-lines.js";

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

export default function OrderForm({ query }) {
  const [customerId, setCustomerId] = useState(query.customer_id || "");
  const [warehouseId, setWarehouseId] = useState("");
  const [lines, setLines] = useState([newLine()]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const warehouses = useWarehouses();
  const submit = async (event) => {
    event.preventDefault();
    const { body } = apiLines(lines);
    if (body.length === 0) {
      setError({ status: 422, code: "validation_failed", local: t("quote.need_lines") });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const order = await api.post("/orders", { customer_id: customerId, lines: body, warehouse_id: warehouseId || null }, { key: key.current });
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
    <${PageHeader} title=${t("order.new")} back="#/orders" />
    <form class="form lines-form" onSubmit=${submit} novalidate>
      <div class="fields">
        <div class="field">
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
        </div>
      </div>
      <h2>${t("quote.lines")}</h2>
      <p class="muted small">${t("order.lines_hint")}</p>
      <${LinesEditor} customerId=${customerId} lines=${lines} setLines=${setLines} saveError=${error} />
      ${error && html`<div class="form-error" role="alert">${error.local || errorText(error)}</div>`}
      <div class="form-actions">
        <a class="button" href="#/orders">${t("action.cancel")}</a>
        <button type="submit" class="primary" disabled=${busy || !customerId}>${t("order.create")}</button>
      </div>
    </form>
    ${customerId && html`<${FromQuote} key=${customerId} customerId=${customerId} />`}
  </section>`;
}
