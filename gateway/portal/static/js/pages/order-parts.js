// An order's fees (freight, installation, other; issue 16): the editor on the order form
// and the table on the order page. Amounts are the server's: the editor sends what was
// typed, the page shows what the order answered.
import { html } from "../lib.js";
import { fieldErrorText, label, money, t } from "../i18n.js";

export const FEE_KINDS = ["freight", "installation", "other"];

let feeSeq = 0;

export function newFee(values = {}) {
  return { key: ++feeSeq, kind: "freight", description: "", amount: "", tax_rate: "13", ...values };
}

/** A fee from the API (an order's) for editing. */
export function feeFrom(apiFee) {
  return newFee({ kind: apiFee.kind, description: apiFee.description || "", amount: apiFee.amount, tax_rate: apiFee.tax_rate });
}

/** Fees for the API: rows with an amount, as typed (the server says what is wrong). */
export function apiFees(fees) {
  return fees.filter((f) => String(f.amount ?? "").trim() !== "").map((f) => {
    const body = { kind: f.kind, amount: String(f.amount).trim() };
    if (f.description.trim()) body.description = f.description.trim();
    if (String(f.tax_rate ?? "").trim() !== "") body.tax_rate = String(f.tax_rate).trim();
    return body;
  });
}

/** Per-fee messages of a 422 on fees ({"fees": {"0": {"amount": [...]}}}). */
function feeErrors(error) {
  const details = error && error.details && error.details.fees;
  return details && typeof details === "object" && !Array.isArray(details) ? details : {};
}

/** props: fees, setFees, saveError; locked: the lines are not edited (the totals shown are the saved ones). */
export function FeesEditor({ fees, setFees, saveError, locked = false }) {
  const errors = feeErrors(saveError);
  const sent = [];
  fees.forEach((f, i) => { if (String(f.amount ?? "").trim() !== "") sent.push(i); });
  const errorsFor = (i) => errors[String(sent.indexOf(i))];
  const change = (i, name) => (e) => setFees(fees.map((f, j) => (j === i ? { ...f, [name]: e.target.value } : f)));
  const err = (i, name) => {
    const e = errorsFor(i);
    return e && e[name] && html`<small class="error">${fieldErrorText(e[name])}</small>`;
  };
  return html`<section class="fees-editor" data-testid="fees-editor">
    <h2>${t("order.fees")}</h2>
    <p class="muted small">${t("order.fees_hint")}</p>
    ${fees.length > 0 && html`<div class="table-wrap"><table class="list lines">
      <thead><tr><th>${t("order.fee_kind")}</th><th>${t("order.fee_description")}</th><th>${t("order.fee_amount")}</th>
        <th>${t("order.fee_tax_rate")}</th><th><span class="sr-only">${t("order.remove_fee")}</span></th></tr></thead>
      <tbody>${fees.map((f, i) => html`<tr key=${f.key} data-testid="fee-row" class=${errorsFor(i) ? "has-error" : ""}>
        <td data-label=${t("order.fee_kind")}>
          <label class="sr-only" for=${`fee${f.key}-k`}>${t("order.fee_kind")}</label>
          <select id=${`fee${f.key}-k`} name="fee_kind" value=${f.kind} onChange=${change(i, "kind")}>
            ${FEE_KINDS.map((k) => html`<option value=${k}>${label("fee_kind", k)}</option>`)}
          </select></td>
        <td data-label=${t("order.fee_description")}>
          <label class="sr-only" for=${`fee${f.key}-d`}>${t("order.fee_description")}</label>
          <input id=${`fee${f.key}-d`} name="fee_description" maxlength="200" value=${f.description} onInput=${change(i, "description")} />
          ${err(i, "description")}</td>
        <td data-label=${t("order.fee_amount")}>
          <label class="sr-only" for=${`fee${f.key}-a`}>${t("order.fee_amount")}</label>
          <input id=${`fee${f.key}-a`} name="fee_amount" inputmode="decimal" value=${f.amount} onInput=${change(i, "amount")} />
          ${err(i, "amount")}</td>
        <td data-label=${t("order.fee_tax_rate")}>
          <label class="sr-only" for=${`fee${f.key}-t`}>${t("order.fee_tax_rate")}</label>
          <input id=${`fee${f.key}-t`} name="fee_tax_rate" inputmode="decimal" value=${f.tax_rate} onInput=${change(i, "tax_rate")} />
          ${err(i, "tax_rate")}</td>
        <td class="line-remove"><button type="button" class="link danger" aria-label=${t("order.remove_fee")} title=${t("order.remove_fee")}
          onClick=${() => setFees(fees.filter((_, j) => j !== i))}>✕</button></td>
      </tr>`)}</tbody>
    </table></div>`}
    <button type="button" data-testid="add-fee" onClick=${() => setFees([...fees, newFee()])}>＋ ${t("order.add_fee")}</button>
    ${fees.length > 0 && html`<p class="muted small">${t(locked ? "order.fees_saved_totals" : "order.fees_in_totals")}</p>`}
  </section>`;
}

export function FeesTable({ fees }) {
  if (!fees || fees.length === 0) return html`<p class="muted" data-testid="no-fees">${t("order.no_fees")}</p>`;
  return html`<div class="table-wrap"><table class="list" data-testid="order-fees">
    <thead><tr><th>${t("order.fee_kind")}</th><th>${t("order.fee_description")}</th><th class="num">${t("order.fee_amount")}</th>
      <th class="num">${t("order.fee_tax_rate")}</th><th class="num">${t("order.fee_gross")}</th></tr></thead>
    <tbody>${fees.map((f) => html`<tr data-testid="order-fee" data-kind=${f.kind}>
      <td class="main">${label("fee_kind", f.kind)}</td>
      <td data-label=${t("order.fee_description")}>${f.description || "—"}</td>
      <td class="num" data-label=${t("order.fee_amount")}>${money(f.amount)}</td>
      <td class="num" data-label=${t("order.fee_tax_rate")}>${f.tax_rate}%</td>
      <td class="num" data-label=${t("order.fee_gross")}>${money(f.gross)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}
