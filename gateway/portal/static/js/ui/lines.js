// Line items (product + quantity, and optional extra columns such as a unit price): add and
// remove rows, a product picker per row (search by SKU or name). Used by goods receipts,
// transfers, purchase orders, requisitions and loans.
import { html } from "../lib.js";
import { fieldErrorText, t } from "../i18n.js";
import { RecordPicker } from "./form.js";

export const describeProduct = (p) => `${p.sku} · ${p.name}${p.spec ? ` ${p.spec}` : ""}`;

export function emptyLine(extra = []) {
  return { product_id: "", quantity: "1", ...Object.fromEntries(extra.map((c) => [c.name, ""])) };
}

/** The API's lines from the editor's rows: complete rows only, quantities as integers. */
export function linesBody(lines, extra = []) {
  return lines.filter((l) => l.product_id).map((l) => {
    const out = { product_id: l.product_id, quantity: /^\d+$/.test(String(l.quantity).trim()) ? Number(l.quantity) : l.quantity };
    for (const c of extra) if (l[c.name] !== "" && l[c.name] !== undefined) out[c.name] = l[c.name];
    return out;
  });
}

/** lines: [{product_id, quantity, ...extra}]; onChange(next); extra: [{name, label}]; errors: the 422's `lines` details. */
export function LinesEditor({ lines, onChange, extra = [], errors }) {
  const set = (i, change) => onChange(lines.map((l, j) => (j === i ? { ...l, ...change } : l)));
  const lineErrors = errors && typeof errors === "object" && !Array.isArray(errors) ? errors : {};
  return html`<div class="lines">
    <table class="list lines-table">
      <thead><tr><th>${t("lines.product")}</th><th class="num">${t("lines.quantity")}</th>
        ${extra.map((c) => html`<th class="num">${c.label}</th>`)}<th></th></tr></thead>
      <tbody>
        ${lines.map((line, i) => html`<tr key=${i} data-line=${i}>
          <td data-label=${t("lines.product")}><${RecordPicker} id=${`line-${i}-product`} kind="products" value=${line.product_id}
            label=${describeProduct} onInput=${(v) => set(i, { product_id: v })} />
            ${lineErrors[i] && html`<small class="error">${fieldErrorText(Object.values(lineErrors[i]).flat())}</small>`}</td>
          <td data-label=${t("lines.quantity")} class="num"><input aria-label=${t("lines.quantity")} inputmode="numeric" value=${line.quantity}
            onInput=${(e) => set(i, { quantity: e.target.value })} /></td>
          ${extra.map((c) => html`<td data-label=${c.label} class="num"><input aria-label=${c.label} inputmode="decimal" value=${line[c.name]}
            onInput=${(e) => set(i, { [c.name]: e.target.value })} /></td>`)}
          <td><button type="button" class="link danger" onClick=${() => onChange(lines.filter((_, j) => j !== i))}
            disabled=${lines.length === 1}>${t("action.remove")}</button></td>
        </tr>`)}
      </tbody>
    </table>
    <button type="button" onClick=${() => onChange([...lines, emptyLine(extra)])}>${t("lines.add")}</button>
  </div>`;
}
