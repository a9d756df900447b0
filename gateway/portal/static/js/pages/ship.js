// The warehouse's queue of orders to ship, and shipping one: part or all of what is still to
// ship from the warehouse that reserved it, with carrier and tracking number; asking for more
// than is left is refused and the remaining quantities are shown.
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, errorText, label, mergeCatalogues, money, number, t } from "../i18n.js";
import cat from "../i18n/warehouse.js";
import { ListPage } from "../ui/list.js";
import { Badge, CustomerLink, Details, Empty, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { RecordName } from "../names.js";

mergeCatalogues(cat);

/** Today as YYYY-MM-DD in the browser's own time zone (a delivery date is a local day). */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The requested delivery date, marked when it has passed (issue 16). */
function DeliveryDate({ day }) {
  if (!day) return html`<span class="muted">${t("ship.no_date")}</span>`;
  const overdue = day < today();
  return html`<span data-testid="delivery-date" data-overdue=${overdue ? "true" : "false"}>${date(day)}${overdue
    && html` <span class="badge bad" data-testid="overdue">${t("ship.overdue")}</span>`}</span>`;
}

function Queue({ query }) {
  return html`<${ListPage} listKey="ship-queue" title=${t("ship.queue")} path="/orders" query=${{ status: "confirmed", sort: "delivery_date", ...query }}
    searchParam="q" searchPlaceholder=${t("ship.search")}
    filters=${[{ name: "status", label: t("ship.status"), type: "select", options: ["confirmed", "partially_shipped"].map((s) => [s, label("order_status", s)]) }]}
    columns=${[
      { key: "number", label: t("ship.order"), main: true, render: (r) => r.number || r.id.slice(0, 8) },
      { key: "customer_name", label: t("ship.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} name=${r.customer_name} />` },
      { key: "warehouse", label: t("ship.warehouse"), render: (r) => html`<${RecordName} kind="warehouses" id=${r.reserved_warehouse_id || r.warehouse_id} />` },
      { key: "delivery_date", label: t("ship.delivery_date"), sort: "delivery_date", render: (r) => html`<${DeliveryDate} day=${r.delivery_date} />` },
      { key: "created_at", label: t("ship.created_at"), sort: "created_at", render: (r) => date(r.created_at) },
      { key: "gross", label: t("ship.amount"), num: true, render: (r) => money(r.gross) },
      { key: "status", label: t("ship.status"), render: (r) => html`<${Badge} group="order_status" code=${r.status} />` },
    ]}
    rowHref=${(r) => `#/warehouse/ship/${r.id}`} />`;
}

function Ship({ orderId }) {
  const [order, orderError, reloadOrder] = useApi(`/orders/${orderId}`);
  const [reservation, resError, reloadRes] = useApi(`/stock/reservations/${orderId}`);
  const [shipments, , reloadShipments] = useApi("/shipments", { order_id: orderId });
  const [quantities, setQuantities] = useState({});
  const [carrier, setCarrier] = useState("");
  const [tracking, setTracking] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [shippedAt, setShippedAt] = useState(0);
  // the order's status settles by events after a shipment: read it again for a while
  useEffect(() => {
    if (!shippedAt) return undefined;
    const timer = setInterval(() => {
      reloadOrder();
      if (Date.now() - shippedAt > 20000) clearInterval(timer);
    }, 1500);
    return () => clearInterval(timer);
  }, [shippedAt]);
  if (!order || !reservation) return html`<${Pending} data=${order && reservation} error=${orderError || resError} />`;
  const left = reservation.lines.filter((l) => l.remaining > 0);
  const qty = (l) => quantities[l.product_id] ?? String(l.remaining);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const lines = left.map((l) => ({ product_id: l.product_id, quantity: Number(qty(l)) })).filter((l) => l.quantity > 0);
      await api.post("/shipments", { order_id: orderId, warehouse_id: reservation.warehouse_id, lines,
        carrier: carrier.trim() || null, tracking_number: tracking.trim() || null });
      toast(t("ship.done"));
      setQuantities({});
      setShippedAt(Date.now());
      reloadOrder();
      reloadRes();
      reloadShipments();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const over = error && error.code === "over_shipment" ? Object.entries(error.details || {}) : [];
  return html`<section class="record">
    <${PageHeader} title=${`${t("ship.title")} ${order.number || order.id.slice(0, 8)}`} back="#/warehouse"
      status=${html`<span data-status=${order.status}><${Badge} group="order_status" code=${order.status} /></span>`} />
    <${Details} items=${[
      [t("ship.customer"), html`<${CustomerLink} id=${order.customer_id} name=${order.customer_name} />`],
      [t("ship.warehouse"), html`<${RecordName} kind="warehouses" id=${reservation.warehouse_id} />`],
      [t("ship.created_at"), date(order.created_at)],
      [t("ship.delivery_date"), html`<${DeliveryDate} day=${order.delivery_date} />`],
      [t("ship.amount"), money(order.gross)],
    ]} />
    ${reservation.status === "reserving" || reservation.status === "cancelled" ? html`<${Empty} text=${t("ship.not_reserved")} />`
      : left.length === 0 ? html`<${Empty} text=${t("ship.none_left")} />` : html`
      <form class="form" onSubmit=${submit}>
        <table class="list"><thead><tr><th>${t("stock.product")}</th><th class="num">${t("ship.booked")}</th>
          <th class="num">${t("ship.shipped")}</th><th class="num">${t("ship.remaining")}</th><th class="num">${t("ship.now")}</th></tr></thead>
          <tbody>${left.map((l) => html`<tr data-product=${l.product_id}>
            <td data-label=${t("stock.product")}><${RecordName} kind="products" id=${l.product_id} /></td>
            <td data-label=${t("ship.booked")} class="num">${number(l.quantity)}</td>
            <td data-label=${t("ship.shipped")} class="num">${number(l.shipped)}</td>
            <td data-label=${t("ship.remaining")} class="num">${number(l.remaining)}</td>
            <td data-label=${t("ship.now")} class="num"><input aria-label=${t("ship.now")} inputmode="numeric" value=${qty(l)}
              onInput=${(e) => setQuantities({ ...quantities, [l.product_id]: e.target.value })} /></td>
          </tr>`)}</tbody></table>
        <div class="fields">
          <div class="field"><label for="ship-carrier">${t("ship.carrier")}</label>
            <input id="ship-carrier" value=${carrier} maxlength="100" onInput=${(e) => setCarrier(e.target.value)} /></div>
          <div class="field"><label for="ship-tracking">${t("ship.tracking")}</label>
            <input id="ship-tracking" value=${tracking} maxlength="100" onInput=${(e) => setTracking(e.target.value)} /></div>
        </div>
        ${error && html`<div class="form-error" role="alert">${over.length
          ? t("ship.over", { lines: over.map(([, v]) => `${v.requested} > ${v.remaining}`).join("; ") })
          : errorText(error)}</div>`}
        <div class="form-actions"><button type="submit" class="primary" disabled=${busy}>${t("ship.submit")}</button></div>
      </form>`}
    <h2>${t("ship.history")}</h2>
    ${shipments && shipments.items.length > 0 ? html`<ul class="cards">${shipments.items.map((s) => html`<li class="card">
      <strong>${dateTime(s.created_at)}</strong>
      <div class="muted">${[s.carrier, s.tracking_number].filter(Boolean).join(" · ")}</div>
      <ul>${s.lines.map((l) => html`<li><${RecordName} kind="products" id=${l.product_id} /> × ${number(l.quantity)}</li>`)}</ul>
    </li>`)}</ul>` : html`<p class="muted">${t("empty.nothing")}</p>`}
  </section>`;
}

export default function ShipPage({ params, query }) {
  return params.orderId ? html`<${Ship} orderId=${params.orderId} />` : html`<${Queue} query=${query} />`;
}
