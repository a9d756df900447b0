// Quote and order lines: a product picker (SKU or name), quantity, unit price (the last
// price to this customer prefilled, else the list price), discount and tax per line, and
// live totals that are the server's own (POST /quotes/preview, debounced): the page never
// does money arithmetic itself, so what it shows is what will be saved, to the cent.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, fieldErrorText, money, t } from "../i18n.js";
import { RecordPicker } from "../ui/form.js";
import { describeProduct } from "./sales-common.js";

let lineSeq = 0;

export function newLine(values = {}) {
  return { key: ++lineSeq, product_id: "", quantity: "1", unit_price: "", discount_pct: "0", tax_rate: "13", source: "", ...values };
}

/** A line from the API (a quote's or order's) for editing. */
export function lineFrom(apiLine) {
  return newLine({ product_id: apiLine.product_id, quantity: String(apiLine.quantity), unit_price: apiLine.unit_price,
    discount_pct: apiLine.discount_pct, tax_rate: apiLine.tax_rate });
}

/**
 * Lines for the API: every line with a product (rows without one are blank and left out);
 * a quantity that is not a whole number goes as typed, so the server names what is wrong
 * with that line instead of the line silently disappearing.
 */
export function apiLines(lines) {
  const out = [];
  const rows = [];
  lines.forEach((ln, i) => {
    if (!ln.product_id) return;
    const quantity = String(ln.quantity ?? "").trim();
    const body = { product_id: ln.product_id, quantity: /^\d{1,9}$/.test(quantity) ? Number(quantity) : quantity };
    for (const k of ["unit_price", "discount_pct", "tax_rate"]) {
      const v = String(ln[k] ?? "").trim();
      if (v !== "") body[k] = v; // as typed: the server says what is wrong with it
    }
    out.push(body);
    rows.push(i);
  });
  return { body: out, rows };
}

/**
 * The server's totals for the lines, again 300 ms after the last change: {preview, error, busy, rows}.
 * An order prices with POST /orders/preview and its fees (`path`, `extra`: issue 16).
 */
export function usePreview(customerId, lines, { path = "/quotes/preview", extra = null } = {}) {
  const [state, setState] = useState({ preview: null, error: null, busy: false, rows: [] });
  const timer = useRef(null);
  const generation = useRef(0);
  const { body, rows } = apiLines(lines);
  const key = JSON.stringify([customerId, body, path, extra]);
  useEffect(() => {
    clearTimeout(timer.current);
    if (!customerId || body.length === 0) {
      setState({ preview: null, error: null, busy: false, rows: [] });
      return undefined;
    }
    setState((s) => ({ ...s, busy: true }));
    const mine = ++generation.current;
    timer.current = setTimeout(() => {
      api.post(path, { customer_id: customerId, lines: body, ...(extra || {}) })
        .then((preview) => mine === generation.current && setState({ preview, error: null, busy: false, rows }))
        .catch((error) => mine === generation.current && setState({ preview: null, error, busy: false, rows }));
    }, 300);
    return () => clearTimeout(timer.current);
  }, [key]);
  return state;
}

/** Per-line messages of a 422 on lines ({"lines": {"0": {"quantity": [...]}}}), by row index. */
export function lineErrors(error, rows) {
  const out = {};
  const details = error && error.details && error.details.lines;
  if (!details || typeof details !== "object" || Array.isArray(details)) return out;
  for (const [i, fields] of Object.entries(details)) {
    const row = rows[Number(i)];
    if (row !== undefined) out[row] = fields;
  }
  return out;
}

function LineRow({ line, index, customerId, change, remove, computed, errors, canRemove }) {
  const set = (name) => (e) => change({ ...line, [name]: e.target.value });
  const pick = async (productId) => {
    if (!productId) {
      change({ ...line, product_id: "", unit_price: "", source: "" });
      return;
    }
    let price = "";
    let source = "";
    try {
      const last = await api.get("/prices/last", { customer_id: customerId, product_id: productId });
      price = last.unit_price;
      source = last.source;
    } catch {
      /* the server prices it when saving */
    }
    change({ ...line, product_id: productId, unit_price: price, source });
  };
  const err = (name) => errors && errors[name] && html`<small class="error">${fieldErrorText(errors[name])}</small>`;
  const id = `ln${line.key}`;
  return html`<tr data-testid="quote-line" data-index=${index} class=${errors ? "has-error" : ""}>
    <td class="line-no">${index + 1}</td>
    <td class="line-product" data-label=${t("quote.product")}>
      <label class="sr-only" for=${`${id}-p`}>${t("quote.product")} ${t("quote.line_no", { n: index + 1 })}</label>
      <${RecordPicker} id=${`${id}-p`} kind="products" value=${line.product_id} label=${describeProduct}
        query=${{ active: "true" }} placeholder=${t("quote.pick_product")} disabled=${!customerId} onInput=${pick} />
      ${err("product_id")}
    </td>
    <td data-label=${t("quote.quantity")}>
      <label class="sr-only" for=${`${id}-q`}>${t("quote.quantity")}</label>
      <input id=${`${id}-q`} name="quantity" inputmode="numeric" value=${line.quantity} onInput=${set("quantity")} />${err("quantity")}</td>
    <td data-label=${t("quote.unit_price")}>
      <label class="sr-only" for=${`${id}-u`}>${t("quote.unit_price")}</label>
      <input id=${`${id}-u`} name="unit_price" inputmode="decimal" value=${line.unit_price}
        placeholder=${computed ? computed.unit_price : ""} onInput=${(e) => change({ ...line, unit_price: e.target.value, source: "" })} />
      ${line.source && html`<small class="muted">${t(line.source === "last" ? "quote.price_last" : "quote.price_list")}</small>`}
      ${err("unit_price")}</td>
    <td data-label=${t("quote.discount")}>
      <label class="sr-only" for=${`${id}-d`}>${t("quote.discount")}</label>
      <input id=${`${id}-d`} name="discount_pct" inputmode="decimal" value=${line.discount_pct} onInput=${set("discount_pct")} />${err("discount_pct")}</td>
    <td data-label=${t("quote.tax_rate")}>
      <label class="sr-only" for=${`${id}-t`}>${t("quote.tax_rate")}</label>
      <input id=${`${id}-t`} name="tax_rate" inputmode="decimal" value=${line.tax_rate} onInput=${set("tax_rate")} />${err("tax_rate")}</td>
    <td class="num" data-label=${t("quote.net")} data-line-total="net">${computed ? money(computed.net) : "—"}</td>
    <td class="num" data-label=${t("quote.gross")} data-line-total="gross">${computed ? money(computed.gross) : "—"}</td>
    <td class="line-remove">${canRemove && html`<button type="button" class="link danger" aria-label=${t("quote.remove_line")} title=${t("quote.remove_line")} onClick=${remove}>✕</button>`}</td>
  </tr>`;
}

const shown = (amount) => (amount === null || amount === undefined ? "—" : money(amount));

/** Totals in money words ("—" while unknown); `data-total` hooks for tests. */
export function Totals({ net, tax, gross, busy }) {
  return html`<dl class="totals" aria-live="polite" aria-busy=${busy ? "true" : "false"}>
    <div><dt>${t("quote.net")}</dt><dd data-testid="quote-total" data-total="net">${shown(net)}</dd></div>
    <div><dt>${t("quote.tax")}</dt><dd data-testid="quote-total" data-total="tax">${shown(tax)}</dd></div>
    <div class="grand"><dt>${t("quote.gross")}</dt><dd data-testid="quote-total" data-total="gross">${shown(gross)}</dd></div>
  </dl>`;
}

export function Warnings({ warnings }) {
  if (!warnings || warnings.length === 0) return null;
  return html`<ul class="hint warn warnings" data-testid="stock-warnings">
    ${warnings.map((w) => html`<li>${t("quote.stock_warning", { line: w.line + 1, requested: w.requested, available: w.available })}</li>`)}
  </ul>`;
}

/**
 * The editable lines with the server's live totals. props: customerId, lines, setLines,
 * saveError (a 422 from saving, to place per line), pricing (usePreview's options: an order's
 * path and fees).
 */
export function LinesEditor({ customerId, lines, setLines, saveError, pricing }) {
  const { preview, error, busy, rows } = usePreview(customerId, lines, pricing);
  const computedFor = {};
  if (preview) rows.forEach((row, i) => { computedFor[row] = preview.lines[i]; });
  const errors = { ...lineErrors(error, rows), ...lineErrors(saveError, apiLines(lines).rows) };
  const change = (i) => (line) => setLines(lines.map((l, j) => (j === i ? line : l)));
  const remove = (i) => () => setLines(lines.filter((_, j) => j !== i));
  const warnings = preview ? preview.warnings.map((w) => ({ ...w, line: rows[w.line] ?? w.line })) : [];
  return html`<div class="lines-editor">
    ${!customerId && html`<p class="notice">${t("quote.need_customer")}</p>`}
    <div class="table-wrap"><table class="list lines">
      <thead><tr>
        <th>#</th><th>${t("quote.product")}</th><th>${t("quote.quantity")}</th><th>${t("quote.unit_price")}</th>
        <th>${t("quote.discount")}</th><th>${t("quote.tax_rate")}</th><th class="num">${t("quote.net")}</th>
        <th class="num">${t("quote.gross")}</th><th><span class="sr-only">${t("quote.remove_line")}</span></th>
      </tr></thead>
      <tbody>
        ${lines.map((line, i) => html`<${LineRow} key=${line.key} line=${line} index=${i} customerId=${customerId}
          change=${change(i)} remove=${remove(i)} computed=${computedFor[i]} errors=${errors[i]} canRemove=${lines.length > 1} />`)}
      </tbody>
    </table></div>
    <button type="button" onClick=${() => setLines([...lines, newLine()])} disabled=${!customerId}>＋ ${t("quote.add_line")}</button>
    ${error && Object.keys(lineErrors(error, rows)).length === 0 && html`<p class="form-error" role="alert">${t("quote.preview_failed", { reason: errorText(error) })}</p>`}
    <${Warnings} warnings=${warnings} />
    ${preview && preview.needs_approval === true && html`<p class="hint warn" data-testid="needs-approval">${t("order.needs_approval_hint")}</p>`}
    <${Totals} net=${preview && preview.net} tax=${preview && preview.tax} gross=${preview && preview.gross} busy=${busy} />
    ${busy && html`<p class="muted small">${t("quote.calculating")}</p>`}
  </div>`;
}
