// What the sales screens share: their catalogue, stages, links to customers, the customer
// and product pickers' descriptions, the user/customer filters of their lists, a record's documents.
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { label, lang, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/sales.js";
import { RecordName, useUsers } from "../names.js";
import { RecordPicker } from "../ui/form.js";
import { Documents } from "../ui/documents.js";

mergeCatalogues(cat);

export const STAGES = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"];
export const OPEN_STAGES = ["prospecting", "qualification", "proposal", "negotiation"];
export const QUOTE_STATUSES = ["draft", "sent", "accepted", "rejected", "expired"];
export const ORDER_STATUSES = ["pending_approval", "pending", "confirmed", "rejected", "partially_shipped", "shipped", "cancelled", "closed"];
export const SELLER_ROLES = ["sales", "manager", "admin"];

/** A sales record's documents (ui/documents.js): uploads attach to the record, whose customer
 * decides who sees them. */
export function RecordDocuments({ type, id, user }) {
  const writable = !user || SELLER_ROLES.includes(user.role);
  return html`<${Documents} filter=${{ related_type: type, related_id: id }} target=${{ related_type: type, related_id: id }} user=${user}
    canUpload=${writable} canChange=${writable} idPrefix=${`${type}-doc`} />`;
}

export const stageOptions = () => STAGES.map((s) => [s, label("stage", s)]);

export function CustomerLink({ id }) {
  if (!id) return "—";
  return html`<a href=${`#/customers/${id}`}><${RecordName} kind="customers" id=${id} fallback=${t("error.not_found")} /></a>`;
}

export const describeProduct = (p) => `${p.sku} · ${p.name}${p.spec ? ` ${p.spec}` : ""}`;
export const describeCustomer = (c) => c.name;

/** The day `days` from today as YYYY-MM-DD (local time). */
export function isoDay(days = 0) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A list filter picking one of the caller's customers (customer_id in the address). */
export function customerFilter(labelText = t("quote.customer")) {
  return { name: "customer_id", label: labelText, type: "user",
    render: ({ id, value, change }) => html`<${RecordPicker} id=${id} kind="customers" value=${value || ""}
      label=${describeCustomer} onInput=${(v) => change(v || "")} />` };
}

/** A list filter picking a seller (owner_id in the address). */
export function ownerFilter(labelText = t("opp.owner")) {
  return { name: "owner_id", label: labelText, type: "user",
    render: ({ id, value, change }) => html`<${SellerSelect} id=${id} value=${value} change=${change} />` };
}

function SellerSelect({ id, value, change }) {
  const users = useUsers();
  return html`<select id=${id} value=${value || ""} onChange=${(e) => change(e.target.value)}>
    <option value="">${t("list.any")}</option>
    ${users.filter((u) => !u.role || SELLER_ROLES.includes(u.role)).map((u) => html`<option value=${u.id}>${u.full_name || u.username}</option>`)}
  </select>`;
}

let warehouses = null;

/** The warehouses (a short list), loaded once per page life. */
export function useWarehouses() {
  const [list, setList] = useState(warehouses || []);
  useEffect(() => {
    if (!warehouses) {
      warehouses = api.get("/warehouses", { per_page: 200 }).then((a) => a.items).catch(() => []);
    }
    Promise.resolve(warehouses).then((items) => {
      warehouses = items;
      setList(items);
    });
  }, []);
  return list;
}

export function WarehouseName({ id }) {
  const list = useWarehouses();
  if (!id) return "—";
  const w = list.find((x) => x.id === id);
  return w ? `${w.name}${w.code ? ` (${w.code})` : ""}` : "…";
}

/** The services write reasons as "中文 (English)": the half in the user's language. */
export function reasonText(reason) {
  const match = /^(.+?)\s*\(([^()]+)\)$/.exec(reason || "");
  if (!match) return reason || "—";
  return lang() === "en" ? match[2] : match[1];
}
