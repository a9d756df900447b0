// An order's page: status that changes live (pending_approval / pending -> confirmed /
// rejected with the reason: read again every 1.5 s for 20 s after opening and after each
// write), payment and shipping, lines and totals, cancel (asks first), approve (managers),
// close (shipped), its shipments and invoices.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api, newKey } from "../api.js";
import { date, dateTime, errorText, label, money, t } from "../i18n.js";
import { Badge, Details, PageHeader, Pending, Tabs, useApi } from "../ui/page.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { RecordName, UserName } from "../names.js";
import { Timeline } from "../ui/timeline.js";
import { CustomerLink, RecordDocuments, SELLER_ROLES, WarehouseName, reasonText } from "./sales-common.js";
import { Totals, Warnings } from "./sales-lines.js";
import { LinesTable } from "./quote.js";
import { NewTaskButton } from "./task-parts.js";
import { FeesTable } from "./order-parts.js";

const FAST_MS = 1500;
const FAST_FOR_MS = 20000;
const SLOW_MS = 15000;
const SETTLING = ["pending_approval", "pending"];

/** The order, read again every 1.5 s for 20 s after `bump` changes, then every 15 s while it settles. */
function useLiveOrder(id, bump) {
  const [state, setState] = useState({ order: null, error: null });
  const until = useRef(0);
  const latest = useRef(null);
  useEffect(() => {
    until.current = Date.now() + FAST_FOR_MS;
    let live = true;
    let timer = null;
    const read = async () => {
      try {
        const order = await api.get(`/orders/${id}`);
        if (!live) return;
        latest.current = order.status;
        setState({ order, error: null });
      } catch (error) {
        if (live) setState((s) => ({ order: s.order, error }));
      }
      if (!live) return;
      if (Date.now() < until.current) timer = setTimeout(read, FAST_MS);
      else if (SETTLING.includes(latest.current)) timer = setTimeout(read, SLOW_MS); // an approval may take a while
    };
    read();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, bump]);
  return [state.order, state.error];
}

function Shipments({ order }) {
  const [list, error] = useApi("/shipments", { order_id: order.id, per_page: 100 });
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  if (list.items.length === 0) return html`<p class="muted">${t("order.no_shipments")}</p>`;
  return html`<ul class="cards">${list.items.map((s) => html`<li class="card" data-testid="shipment">
    <strong>${dateTime(s.created_at)}</strong>${s.fully_shipped && html` <span class="badge good">${t("order.fully_shipped")}</span>`}
    <div class="muted small">${t("order.warehouse")}: <${WarehouseName} id=${s.warehouse_id} /></div>
    ${(s.carrier || s.tracking_number) && html`<div class="small">${t("order.carrier")}: ${s.carrier || "—"} · ${t("order.tracking")}: ${s.tracking_number || "—"}</div>`}
    <ul class="plain">${(s.lines || []).map((ln) => html`<li><${RecordName} kind="products" id=${ln.product_id} /> × ${ln.quantity}</li>`)}</ul>
  </li>`)}</ul>`;
}

function Invoices({ order }) {
  const [list, error] = useApi("/invoices", { order_id: order.id, per_page: 100 });
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  if (list.items.length === 0) return html`<p class="muted">${t("order.no_invoices")}</p>`;
  return html`<div class="table-wrap"><table class="list">
    <thead><tr><th>${t("order.invoice_number")}</th><th class="num">${t("order.invoice_amount")}</th><th>${t("order.invoice_status")}</th><th>${t("order.issued_at")}</th></tr></thead>
    <tbody>${list.items.map((inv) => html`<tr>
      <td class="main">${inv.number}</td>
      <td class="num" data-label=${t("order.invoice_amount")}>${money(inv.amount)}</td>
      <td data-label=${t("order.invoice_status")}><${Badge} group="invoice_status" code=${inv.status} /></td>
      <td data-label=${t("order.issued_at")}>${date(inv.issued_at)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

export default function OrderPage({ params, query, user }) {
  const [bump, setBump] = useState(0);
  const [order, error] = useLiveOrder(params.id, bump);
  const [busy, setBusy] = useState(false);
  if (!order) return html`<${Pending} data=${order} error=${error} />`;
  const seller = SELLER_ROLES.includes(user.role);
  const act = async (work, message) => {
    setBusy(true);
    try {
      await work();
      toast(message);
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
      setBump((n) => n + 1);
    }
  };
  const cancel = async () => {
    const reason = await confirmDialog({ title: t("order.cancel"), message: t("order.cancel_confirm"), danger: true,
      input: { label: t("order.cancel_reason"), required: false }, confirmLabel: t("order.cancel") });
    if (reason === null) return;
    act(() => api.post(`/orders/${order.id}/cancel`, reason ? { reason } : {}, { key: newKey() }), t("order.cancelled"));
  };
  const s = order.status;
  const actions = seller && html`
    <${NewTaskButton} user=${user} customerId=${order.customer_id} related=${{ type: "order", id: order.id }} />
    ${SETTLING.includes(s) && html`<a class="button" data-testid="order-edit" href=${`#/orders/${order.id}/edit`}>${t("order.edit")}</a>`}
    ${s === "pending_approval" && ["manager", "admin"].includes(user.role) && html`<button type="button" class="primary" disabled=${busy}
      onClick=${() => act(() => api.post(`/orders/${order.id}/approve`, {}, { key: newKey() }), t("order.approved"))}>${t("order.approve")}</button>`}
    ${s === "shipped" && html`<button type="button" disabled=${busy}
      onClick=${() => act(() => api.post(`/orders/${order.id}/close`, {}, { key: newKey() }), t("order.closed"))}>${t("order.close")}</button>`}
    ${["pending_approval", "pending", "confirmed"].includes(s) && html`<button type="button" class="danger" data-testid="order-cancel" disabled=${busy} onClick=${cancel}>${t("order.cancel")}</button>`}`;
  const tabs = [
    { key: "lines", label: t("quote.lines"), render: () => html`
      <${LinesTable} lines=${order.lines} shipped />
      ${order.lines.some((ln) => ln.delivery_date) && html`<ul class="plain small" data-testid="line-delivery">
        ${order.lines.map((ln, i) => ln.delivery_date && html`<li>${t("quote.line_no", { n: i + 1 })} ${ln.product_name}: ${t("order.line_delivery")} ${date(ln.delivery_date)}</li>`)}
      </ul>`}
      <h2>${t("order.fees")}</h2>
      <${FeesTable} fees=${order.fees} />
      <${Warnings} warnings=${order.warnings} />
      <${Totals} net=${order.net} tax=${order.tax} gross=${order.gross} />` },
    { key: "details", label: t("record.details"), render: () => html`<${Details} items=${[
      [t("order.customer"), html`<${CustomerLink} id=${order.customer_id} />`],
      [t("order.status"), label("order_status", s)],
      [t("order.payment_status"), label("payment_status", order.payment_status)],
      [t("order.invoiced"), money(order.invoiced_amount)],
      [t("order.paid"), money(order.paid_amount)],
      [t("order.warehouse"), html`<${WarehouseName} id=${order.warehouse_id || order.reserved_warehouse_id} />`],
      [t("order.delivery_date"), html`<span data-testid="order-delivery">${order.delivery_date ? date(order.delivery_date) : "—"}</span>`],
      order.quote_id && [t("order.quote"), html`<a href=${`#/quotes/${order.quote_id}`}><${RecordName} kind="quotes" id=${order.quote_id} field="number" /></a>`],
      [t("order.owner"), html`<${UserName} id=${order.owner_id} />`],
      order.approved_by && [t("order.approved_by"), html`<${UserName} id=${order.approved_by} />`],
      order.edited_by && [t("order.edited_by"), html`<${UserName} id=${order.edited_by} />`],
      [t("order.created_at"), dateTime(order.created_at)],
      order.reason && [t("order.reason"), reasonText(order.reason)],
    ]} />` },
    { key: "shipments", label: t("order.shipments"), render: () => html`<${Shipments} order=${order} />` },
    { key: "invoices", label: t("order.invoices"), render: () => html`<${Invoices} order=${order} />` },
    { key: "documents", label: t("record.documents"), render: () => html`<${RecordDocuments} type="order" id=${order.id} user=${user} />` },
    { key: "timeline", label: t("record.timeline"), render: () => html`<${Timeline} customerId=${order.customer_id} bump=${bump} />` },
  ];
  return html`<section class="record">
    <${PageHeader} title=${`${t("order.one")} ${order.number}`} back="#/orders"
      status=${html`<span class="status-pair" aria-live="polite">
        <span data-testid="order-status" data-status=${s}><${Badge} group="order_status" code=${s} /></span>
        <span data-testid="payment-status" data-status=${order.payment_status}><${Badge} group="payment_status" code=${order.payment_status} /></span>
      </span>`}
      subtitle=${html`<${CustomerLink} id=${order.customer_id} /> · ${money(order.gross)}`}
      actions=${actions} />
    ${SETTLING.includes(s) && html`<p class="notice" role="status">${t("order.live")}</p>`}
    ${s === "rejected" && html`<p class="form-error" role="alert" data-testid="order-reason">${t("order.rejected_reason", { reason: reasonText(order.reason) })}</p>`}
    ${s === "cancelled" && order.reason && html`<p class="notice">${t("order.reason")}: ${reasonText(order.reason)}</p>`}
    <${Tabs} tabs=${tabs} query=${query} />
  </section>`;
}
