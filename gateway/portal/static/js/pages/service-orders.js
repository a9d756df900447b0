// Service orders: the board (a column per status; a card is dragged to another column, or
// moved with its status menu on phones and keyboards; saved by PATCH /service-orders/{id} and
// put back with a message when refused), the list, and the assignee's queue ("my service
// orders": still being worked on, soonest due first).
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, errorText, label, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/service.js";
import { ListPage } from "../ui/list.js";
import { Badge, PageHeader, Pending } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { setQuery } from "../router.js";
import { RecordName, UserName, useUsers } from "../names.js";

mergeCatalogues(cat);

export const SERVICE_STATUSES = ["open", "in_progress", "waiting_parts", "done", "closed"];
export const SERVICE_KINDS = ["service", "repair"];
export const SERVICE_PRIORITIES = ["low", "normal", "high", "urgent"];
// the moves the API allows (the rest answer 409): the board offers only these in a card's menu
export const NEXT_STATUSES = {
  open: ["in_progress"], in_progress: ["waiting_parts", "done"], waiting_parts: ["in_progress", "done"],
  done: ["closed", "in_progress"], closed: [],
};
const PER_COLUMN = 50;

/** A filter of every active user (an order may be assigned to anyone, warehouse staff too). */
export function assigneeFilter(name = "assignee_id") {
  return { name, label: t("service_order.assignee"), type: "user", render: ({ id, value, change }) => html`<${AnyUser} id=${id} value=${value} change=${change} />` };
}

function AnyUser({ id, value, change }) {
  const users = useUsers();
  return html`<select id=${id} value=${value || ""} onChange=${(e) => change(e.target.value)}>
    <option value="">${t("list.any")}</option>
    ${users.filter((u) => u.active !== false).map((u) => html`<option value=${u.id}>${u.full_name || u.username}</option>`)}
  </select>`;
}

export function moveServiceOrder(order, status) {
  return api.patch(`/service-orders/${order.id}`, { status });
}

function ViewSwitch({ current }) {
  const link = (view, key, href) => html`<a class=${`button ${current === view ? "active" : ""}`} aria-current=${current === view ? "page" : undefined} href=${href}>${t(key)}</a>`;
  return html`<div class="view-switch" role="group" aria-label=${t("service_orders.title")}>
    ${link("board", "service_orders.board", "#/service-orders")}
    ${link("list", "service_orders.list", "#/service-orders?view=list")}
    ${link("mine", "service_orders.mine", "#/service-orders/mine")}
  </div>`;
}

function Card({ order, onMove, busy }) {
  const onDragStart = (e) => {
    e.dataTransfer.setData("text/plain", order.id);
    e.dataTransfer.effectAllowed = "move";
  };
  const options = [order.status, ...NEXT_STATUSES[order.status]];
  return html`<li class=${`kanban-card ${busy ? "busy" : ""}`} draggable=${NEXT_STATUSES[order.status].length > 0 ? "true" : "false"}
    onDragStart=${onDragStart} data-testid="service-card" data-id=${order.id} data-status=${order.status}>
    <a class="card-title" href=${`#/service-orders/${order.id}`}>${order.subject}</a>
    <div class="muted small">${order.number} · ${label("service_kind", order.kind)} · <${RecordName} kind="customers" id=${order.customer_id} /></div>
    <div class="small"><${UserName} id=${order.assignee_id} />
      ${order.due_at && html` · <span class=${order.overdue ? "overdue" : ""}>${order.overdue ? `${t("service_order.overdue")} ` : ""}${dateTime(order.due_at)}</span>`}
      ${order.priority !== "normal" && html` · <${Badge} group="service_priority" code=${order.priority} />`}</div>
    ${options.length > 1 && html`<label class="sr-only" for=${`so-status-${order.id}`}>${t("service_order.move_to")}: ${order.subject}</label>
    <select id=${`so-status-${order.id}`} class="card-stage" value=${order.status} disabled=${busy} data-testid="service-status-select"
      onChange=${(e) => onMove(order.id, e.target.value)}>
      ${options.map((s) => html`<option value=${s}>${label("service_status", s)}</option>`)}
    </select>`}
  </li>`;
}

function Column({ status, items, total, onMove, busyId }) {
  const [over, setOver] = useState(false);
  const onDragOver = (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    if (!over) setOver(true);
  };
  const onDrop = (e) => {
    e.preventDefault();
    setOver(false);
    const id = e.dataTransfer.getData("text/plain");
    if (id) onMove(id, status);
  };
  return html`<section class=${`kanban-column ${over ? "over" : ""}`} data-testid="service-column" data-status=${status}
    aria-labelledby=${`so-col-${status}`} onDragOver=${onDragOver} onDragLeave=${() => setOver(false)} onDrop=${onDrop}>
    <header><h2 id=${`so-col-${status}`}>${label("service_status", status)} <span class="count">${number(total)}</span></h2></header>
    <ul class="kanban-cards">
      ${items.map((o) => html`<${Card} key=${o.id} order=${o} onMove=${onMove} busy=${busyId === o.id} />`)}
      ${items.length === 0 && html`<li class="kanban-empty muted">${over ? t("service_orders.drop_here") : t("service_orders.empty_column")}</li>`}
    </ul>
    ${total > items.length && html`<a class="small" href=${`#/service-orders?view=list&status=${status}`}>${t("service_orders.more", { count: number(total - items.length) })}</a>`}
  </section>`;
}

function Board({ assigneeId }) {
  const [columns, setColumns] = useState(null);
  const [error, setError] = useState(null);
  const [busyId, setBusyId] = useState(null);
  useEffect(() => {
    let live = true;
    const base = assigneeId ? { assignee_id: assigneeId } : {};
    (async () => {
      const answers = {};
      // one column after the other: a page never holds more than a couple of the services' connections
      for (const s of SERVICE_STATUSES) answers[s] = await api.get("/service-orders", { ...base, status: s, sort: "due_at", per_page: PER_COLUMN });
      return answers;
    })().then((a) => live && setColumns(a)).catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [assigneeId]);
  if (!columns) return html`<${Pending} data=${columns} error=${error} />`;
  const find = (id) => SERVICE_STATUSES.map((s) => columns[s].items.find((o) => o.id === id)).find(Boolean);
  const place = (cols, order, from, to) => ({
    ...cols,
    [from]: { ...cols[from], items: cols[from].items.filter((o) => o.id !== order.id), total: cols[from].total - 1 },
    [to]: { ...cols[to], items: [order, ...cols[to].items.filter((o) => o.id !== order.id)], total: cols[to].total + 1 },
  });
  const onMove = async (id, status) => {
    const order = find(id);
    if (!order || order.status === status || busyId) return;
    const from = order.status;
    setColumns((cols) => place(cols, { ...order, status }, from, status));
    setBusyId(id);
    try {
      const saved = await moveServiceOrder(order, status);
      setColumns((cols) => ({ ...cols, [status]: { ...cols[status], items: cols[status].items.map((o) => (o.id === id ? saved : o)) } }));
      toast(t("service_order.moved", { status: label("service_status", status) }));
    } catch (err) {
      setColumns((cols) => place(cols, order, status, from));
      toast(t("service_order.move_refused", { reason: errorText(err) }), "error");
    } finally {
      setBusyId(null);
    }
  };
  return html`<div>
    <p class="muted small">${t("service_orders.board_help")}</p>
    <div class="kanban five" data-testid="service-board">
      ${SERVICE_STATUSES.map((s) => html`<${Column} key=${s} status=${s} items=${columns[s].items} total=${columns[s].total}
        onMove=${onMove} busyId=${busyId} />`)}
    </div>
  </div>`;
}

const COLUMNS = () => [
  { key: "subject", label: t("service_order.subject"), main: true },
  { key: "number", label: t("service_order.number") },
  { key: "kind", label: t("service_order.kind"), render: (r) => label("service_kind", r.kind) },
  { key: "customer_id", label: t("service_order.customer"), render: (r) => html`<${RecordName} kind="customers" id=${r.customer_id} />` },
  { key: "status", label: t("service_order.status"), render: (r) => html`<${Badge} group="service_status" code=${r.status} />` },
  { key: "priority", label: t("service_order.priority"), render: (r) => label("service_priority", r.priority) },
  { key: "assignee_id", label: t("service_order.assignee"), render: (r) => html`<${UserName} id=${r.assignee_id} />` },
  { key: "due_at", label: t("service_order.due_at"), sort: "due_at",
    render: (r) => r.due_at && html`<span class=${r.overdue ? "overdue" : ""}>${r.overdue ? `${t("service_order.overdue")} ` : ""}${dateTime(r.due_at)}</span>` },
  { key: "created_at", label: t("service_order.created_at"), sort: "created_at", render: (r) => date(r.created_at) },
];

const NEW = () => html`<a class="button primary" href="#/service-orders/new">${t("service_order.new")}</a>`;

/** The assignee's queue: what is assigned to me and still being worked on, soonest due first. */
export function Mine({ query, user }) {
  return html`<${ListPage}
    listKey="my-service-orders" title=${t("service_orders.mine")} path="/service-orders" query=${{ sort: "due_at", ...query }}
    baseQuery=${{ assignee_id: user.id }}
    filters=${[{ name: "status", label: t("service_order.status"), type: "select",
      options: SERVICE_STATUSES.slice(0, 3).map((s) => [s, label("service_status", s)]) },
    { name: "overdue", label: t("service_order.overdue"), type: "select", options: [["true", t("service_order.overdue")]] }]}
    columns=${COLUMNS()} rowHref=${(r) => `#/service-orders/${r.id}`}
    actions=${html`<${ViewSwitch} current="mine" />${NEW()}`}
    emptyHint=${t("service_orders.mine_hint")} />`;
}

export default function ServiceOrders({ query, user }) {
  if (query.view === "list") {
    return html`<${ListPage}
      listKey="service-orders" title=${t("service_orders.title")} path="/service-orders" query=${query}
      filters=${[
        { name: "status", label: t("service_order.status"), type: "select", options: SERVICE_STATUSES.map((s) => [s, label("service_status", s)]) },
        { name: "kind", label: t("service_order.kind"), type: "select", options: SERVICE_KINDS.map((s) => [s, label("service_kind", s)]) },
        assigneeFilter(),
        { name: "overdue", label: t("service_order.overdue"), type: "select", options: [["true", t("service_order.overdue")]] },
      ]}
      columns=${COLUMNS()} rowHref=${(r) => `#/service-orders/${r.id}`}
      actions=${html`<${ViewSwitch} current="list" />${NEW()}`}
      emptyHint=${t("service_orders.empty_hint")} />`;
  }
  const assigneeId = query.assignee_id || "";
  const filter = assigneeFilter();
  return html`<section>
    <${PageHeader} title=${t("service_orders.title")} actions=${html`<${ViewSwitch} current="board" />${NEW()}`} />
    <div class="list-tools">
      <div class="filter"><label for="so-assignee">${filter.label}</label>
        ${filter.render({ id: "so-assignee", value: assigneeId, change: (v) => setQuery({ assignee_id: v }) })}</div>
      ${user && user.id && html`<button type="button" class="link" onClick=${() => setQuery({ assignee_id: assigneeId === user.id ? "" : user.id })}>${t("service_orders.only_mine")}</button>`}
    </div>
    <${Board} key=${assigneeId} assigneeId=${assigneeId} />
  </section>`;
}
