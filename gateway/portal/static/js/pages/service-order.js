// A service order: the intake form (customer, kind, product and serial number, subject, what
// is wrong, who handles it, priority, due time; from a complaint it comes filled in), and an
// order's page: move it along its flow, hand it over, the work (resolution, time spent), the
// spare parts taken from a warehouse (refused at once when the stock is not there), and the
// customer's feedback once the work is done, and its documents (site photos, test reports).
import { html } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/service.js";
import { Form } from "../ui/form.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { Documents } from "../ui/documents.js";
import { RecordName, UserName, userName } from "../names.js";
import { pickUser } from "./ownership.js";
import { WarehouseName, useWarehouses } from "./sales-common.js";
import { NEXT_STATUSES, SERVICE_KINDS, SERVICE_PRIORITIES } from "./service-orders.js";

mergeCatalogues(cat);

const ACTIVE = ["open", "in_progress", "waiting_parts"];

function NewServiceOrder({ query }) {
  const fields = [
    { name: "customer_id", label: t("service_order.customer"), type: "record", kind: "customers", required: true, wide: true,
      readOnly: Boolean(query.complaint_id) },
    { name: "kind", label: t("service_order.kind"), type: "select", required: true, noEmpty: true,
      options: SERVICE_KINDS.map((k) => [k, label("service_kind", k)]) },
    { name: "priority", label: t("service_order.priority"), type: "select", noEmpty: true,
      options: SERVICE_PRIORITIES.map((k) => [k, label("service_priority", k)]) },
    { name: "product_id", label: t("service_order.product"), type: "record", kind: "products",
      describe: (r) => `${r.sku} ${r.name}` },
    { name: "serial_no", label: t("service_order.serial_no"), maxLength: 100 },
    { name: "subject", label: t("service_order.subject"), required: true, maxLength: 300, wide: true },
    { name: "description", label: t("service_order.description"), type: "textarea", rows: 4, wide: true, maxLength: 5000 },
    { name: "assignee_id", label: t("service_order.assignee"), type: "user", required: true },
    { name: "due_at", label: t("service_order.due_at"), type: "datetime" },
  ];
  const initial = { customer_id: query.customer_id || "", kind: "repair", priority: "normal", product_id: "", serial_no: "",
    subject: query.subject || "", description: "", assignee_id: "", due_at: "" };
  const submit = (body, key) => {
    const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== "" && v !== null && v !== undefined));
    if (query.complaint_id) Object.assign(clean, { complaint_id: query.complaint_id, customer_id: query.customer_id });
    return api.post("/service-orders", clean, { key });
  };
  const done = (saved) => {
    toast(t("service_order.created"));
    location.hash = `#/service-orders/${saved.id}`;
  };
  const back = query.complaint_id ? `#/complaints/${query.complaint_id}` : query.customer_id ? `#/customers/${query.customer_id}?tab=service_orders` : "#/service-orders";
  return html`<section>
    <${PageHeader} title=${t("service_order.new")} back=${back} />
    ${query.complaint_id && html`<p class="muted">${t("service_order.complaint")}: <a href=${`#/complaints/${query.complaint_id}`}><${RecordName} kind="complaints" id=${query.complaint_id} field="subject" /></a></p>`}
    <${Form} fields=${fields} initial=${initial} submit=${submit} onDone=${done} onCancel=${() => history.back()} />
  </section>`;
}

function Work({ order, onSaved }) {
  const fields = [
    { name: "resolution", label: t("service_order.resolution"), type: "textarea", rows: 3, wide: true, maxLength: 5000 },
    { name: "time_spent_minutes", label: t("service_order.time_spent"), type: "integer" },
  ];
  if (order.status === "closed") {
    return html`<${Details} items=${[
      [t("service_order.resolution"), html`<span class="pre">${order.resolution || "—"}</span>`],
      [t("service_order.time_spent"), t("service_order.time_spent_value", { minutes: order.time_spent_minutes })],
    ]} />`;
  }
  return html`<${Form} key=${order.updated_at} fields=${fields} submitLabel=${t("service_order.save_work")}
    initial=${{ resolution: order.resolution || "", time_spent_minutes: String(order.time_spent_minutes) }}
    submit=${(body) => api.patch(`/service-orders/${order.id}`, { resolution: body.resolution || null, time_spent_minutes: body.time_spent_minutes })}
    onDone=${() => { toast(t("service_order.saved")); onSaved(); }} />`;
}

function Parts({ order, onSaved }) {
  const warehouses = useWarehouses();
  const fields = [
    { name: "product_id", label: t("service_order.part_product"), type: "record", kind: "products", required: true,
      describe: (r) => `${r.sku} ${r.name}` },
    { name: "warehouse_id", label: t("service_order.part_warehouse"), type: "select", required: true,
      options: warehouses.filter((w) => w.active !== false).map((w) => [w.id, `${w.name}${w.code ? ` (${w.code})` : ""}`]) },
    { name: "quantity", label: t("service_order.part_quantity"), type: "integer", required: true },
  ];
  const submit = (body, key) => api.post(`/service-orders/${order.id}/parts`, body, { key });
  // not there: say how many the warehouse has (the API's details.available)
  const onError = (err) => err.code === "insufficient_stock"
    && html`<span data-testid="part-short">${t("service_order.part_short", { available: err.details.available ?? 0 })}</span>`;
  const parts = order.parts || [];
  return html`<section aria-labelledby="so-parts">
    <h2 id="so-parts">${t("service_order.parts")}</h2>
    ${parts.length === 0 ? html`<p class="muted">${t("service_order.parts_empty")}</p>` : html`<div class="table-wrap"><table class="list parts-table" data-testid="service-parts">
      <thead><tr><th>${t("service_order.part_product")}</th><th>${t("service_order.part_warehouse")}</th>
        <th class="num">${t("service_order.part_quantity")}</th><th>${t("service_order.part_status")}</th><th>${t("service_order.created_at")}</th></tr></thead>
      <tbody>${parts.map((p) => html`<tr data-status=${p.status}>
        <td class="main">${p.sku || ""} ${p.product_name || ""}</td>
        <td data-label=${t("service_order.part_warehouse")}><${WarehouseName} id=${p.warehouse_id} /></td>
        <td class="num" data-label=${t("service_order.part_quantity")}>${p.quantity} ${p.unit || ""}</td>
        <td data-label=${t("service_order.part_status")} class=${p.status === "refused" ? "refused" : ""}>${label("service_part_status", p.status)}</td>
        <td data-label=${t("service_order.created_at")}>${dateTime(p.created_at)}</td>
      </tr>`)}</tbody></table></div>`}
    ${ACTIVE.includes(order.status)
      ? html`<h3>${t("service_order.add_part")}</h3>
        <${Form} key=${parts.length} fields=${fields} initial=${{ product_id: "", warehouse_id: "", quantity: "1" }}
          submitLabel=${t("service_order.add_part")} submit=${submit} onError=${onError}
          onDone=${() => { toast(t("service_order.part_added")); onSaved(); }} />`
      : html`<p class="muted">${t("service_order.parts_closed")}</p>`}
  </section>`;
}

function Feedback({ order, onSaved }) {
  const fb = order.feedback;
  let body;
  if (fb) {
    body = html`<${Details} items=${[
      [t("service_order.rating"), t("service_order.stars", { rating: fb.rating })],
      [t("service_order.comment"), fb.comment || "—"],
      [t("service_order.created_by"), html`<${UserName} id=${fb.given_by} />`],
      [t("service_order.created_at"), dateTime(fb.given_at)],
    ]} />`;
  } else if (["done", "closed"].includes(order.status)) {
    body = html`<${Form} fields=${[
      { name: "rating", label: t("service_order.rating"), type: "select", required: true, options: [5, 4, 3, 2, 1].map((n) => [String(n), t("service_order.stars", { rating: n })]) },
      { name: "comment", label: t("service_order.comment"), type: "textarea", rows: 2, wide: true, maxLength: 2000 },
    ]} initial=${{ rating: "5", comment: "" }} submitLabel=${t("service_order.save_feedback")}
      submit=${(b, key) => api.post(`/service-orders/${order.id}/feedback`, { rating: Number(b.rating), comment: b.comment || null }, { key })}
      onDone=${() => { toast(t("service_order.feedback_saved")); onSaved(); }} />`;
  } else {
    body = html`<p class="muted">${t("service_order.feedback_after_done")}</p>`;
  }
  return html`<section aria-labelledby="so-feedback"><h2 id="so-feedback">${t("service_order.feedback")}</h2>${body}</section>`;
}

export default function ServiceOrderPage({ params, query, user }) {
  const [o, error, reload] = useApi(params.id ? `/service-orders/${params.id}` : null);
  if (!params.id) return html`<${NewServiceOrder} query=${query} />`;
  if (!o) return html`<${Pending} data=${o} error=${error} />`;
  const change = async (body, message) => {
    try {
      await api.patch(`/service-orders/${o.id}`, body);
      toast(message);
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const reassign = async () => {
    const to = await pickUser({ title: t("service_order.reassign"), label: t("service_order.assignee"), exclude: [o.assignee_id] });
    if (to) change({ assignee_id: to }, t("service_order.reassigned", { user: userName(to) }));
  };
  const moveLabel = (s) => (o.status === "done" && s === "in_progress" ? t("service_order.reopen") : t(`service_order.to_${s}`));
  const actions = html`
    ${NEXT_STATUSES[o.status].map((s, i) => html`<button type="button" class=${i === 0 ? "primary" : ""} data-testid="service-move" data-status=${s}
      onClick=${() => change({ status: s }, t("service_order.moved", { status: label("service_status", s) }))}>${moveLabel(s)}</button>`)}
    ${o.status !== "closed" && html`<button type="button" onClick=${reassign}>${t("service_order.reassign")}</button>`}`;
  return html`<section class="record">
    <${PageHeader} title=${`${o.number} ${o.subject}`} back="#/service-orders"
      status=${html`<span data-testid="service-status" data-status=${o.status}><${Badge} group="service_status" code=${o.status} /></span>`} actions=${actions} />
    <${Details} items=${[
      [t("service_order.customer"), html`<a href=${`#/customers/${o.customer_id}`}><${RecordName} kind="customers" id=${o.customer_id} fallback=${t("action.open")} /></a>`],
      [t("service_order.kind"), label("service_kind", o.kind)],
      [t("service_order.priority"), label("service_priority", o.priority)],
      [t("service_order.assignee"), html`<${UserName} id=${o.assignee_id} />`],
      [t("service_order.due_at"), o.due_at ? html`<span class=${o.overdue ? "overdue" : ""}>${dateTime(o.due_at)}${o.overdue ? ` · ${t("service_order.overdue")}` : ""}</span>` : "—"],
      o.product_id && [t("service_order.product"), html`<a href=${`#/products/${o.product_id}`}><${RecordName} kind="products" id=${o.product_id} /></a>`],
      o.serial_no && [t("service_order.serial_no"), o.serial_no],
      o.complaint_id && [t("service_order.complaint"), html`<a href=${`#/complaints/${o.complaint_id}`}><${RecordName} kind="complaints" id=${o.complaint_id} field="subject" fallback=${t("action.open")} /></a>`],
      [t("service_order.created_by"), html`<${UserName} id=${o.created_by} />`],
      [t("service_order.created_at"), dateTime(o.created_at)],
      o.done_at && [t("service_order.done_at"), dateTime(o.done_at)],
      o.closed_at && [t("service_order.closed_at"), dateTime(o.closed_at)],
    ]} />
    <h2>${t("service_order.description")}</h2>
    <p class="pre">${o.description || "—"}</p>
    <h2>${t("service_order.work")}</h2>
    <${Work} order=${o} onSaved=${reload} />
    <${Parts} order=${o} onSaved=${reload} />
    <${Feedback} order=${o} onSaved=${reload} />
    <h2>${t("record.documents")}</h2>
    <${Documents} filter=${{ related_type: "service_order", related_id: o.id }} target=${{ related_type: "service_order", related_id: o.id }}
      user=${user} canUpload=${o.status !== "closed"} idPrefix="so-doc" />
  </section>`;
}
