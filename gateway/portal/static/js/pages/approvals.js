// The approval inbox (managers, admins): discounted orders held for approval, quotes whose
// discount needs approval before they go out, customer
// projects' applications (立项) and expense claims awaiting a decision, each with approve / reject (a reason) and a link to its
// record. What the caller may not decide (their own order or claim, someone outside their
// team) is shown with the reason, its buttons disabled. A decided order stays on the page
// with its live status until the stock reservation settles it (confirmed or rejected).
import { html, useEffect, useState } from "../lib.js";
import { api, newKey } from "../api.js";
import { date, dateTime, errorText, label, mergeCatalogues, money, percent, t } from "../i18n.js";
import cat from "../i18n/manage.js";
import { RecordName, UserName, useUsers } from "../names.js";
import { subordinates } from "../team.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { useStylesheet } from "../ui/styles.js";
import { Badge, Empty, PageHeader, Pending, Tabs } from "../ui/page.js";
import { decideProject, projectRefusal } from "./project-parts.js";

mergeCatalogues(cat);

const SETTLED_POLL_MS = 800;
const SETTLED_TRIES = 25;
const WAITING = ["pending_approval", "pending"];

/** Why the caller may not decide an order (null: they may). Mirrors the API's four-eyes
 * rule: never the creator; a manager only for the owners below them; an admin always. */
export function orderRefusal(order, me, teamIds) {
  if (order.created_by === me.id) return "approvals.own_order";
  if (me.role === "admin") return null;
  if (me.role === "manager" && teamIds.has(order.owner_id)) return null;
  return "approvals.not_your_team";
}

/** Why the caller may not decide an expense claim (null: they may). */
export function expenseRefusal(expense, me, teamIds) {
  if (expense.submitter_id === me.id) return "approvals.own_expense";
  if (me.role === "admin") return null;
  if (me.role === "manager" && teamIds.has(expense.submitter_id)) return null;
  return "approvals.not_your_team";
}

/** Why the caller may not decide a quote's discount (null: they may). */
export function quoteRefusal(quote, me, teamIds) {
  if (quote.owner_id === me.id) return "approvals.own_quote";
  if (me.role === "admin") return null;
  if (me.role === "manager" && teamIds.has(quote.owner_id)) return null;
  return "approvals.not_your_team";
}

/** The largest line discount of an order, in percent (the reason it is held). */
export function largestDiscount(order) {
  return (order.lines || []).reduce((max, l) => Math.max(max, Number(l.discount_pct || 0)), 0);
}

function Refusal({ code }) {
  return code ? html`<p class="hint warn" role="note">${t(code)}</p>` : null;
}

function OrderCard({ order, me, teamIds, onDecided }) {
  const [busy, setBusy] = useState(false);
  const refusal = orderRefusal(order, me, teamIds);
  const decide = async (action) => {
    let body = {};
    if (action === "reject") {
      const reason = await confirmDialog({ title: t("approvals.reject_order"), message: order.number, danger: true,
        confirmLabel: t("approvals.reject"), input: { label: t("approvals.reason"), required: true } });
      if (reason === null) return;
      body = { reason };
    } else {
      const comment = await confirmDialog({ title: t("approvals.approve_order"), message: t("approvals.approve_order_q", { number: order.number }),
        confirmLabel: t("approvals.approve"), input: { label: t("approvals.comment"), required: false } });
      if (comment === null) return;
      body = comment ? { comment } : {};
    }
    setBusy(true);
    try {
      const after = await api.post(`/orders/${order.id}/${action}`, body, { key: newKey() });
      toast(t(action === "approve" ? "approvals.order_approved" : "approvals.order_rejected", { number: order.number }));
      onDecided(after);
    } catch (err) {
      toast(errorText(err), "error");
      setBusy(false);
    }
  };
  const discount = largestDiscount(order);
  return html`<li class="card approval" data-order=${order.number}>
    <div class="approval-head">
      <a class="approval-title" href=${`#/orders/${order.id}`}>${t("approvals.order_title", { number: order.number })}</a>
      <strong class="approval-amount">${money(order.gross)}</strong>
    </div>
    <dl class="details compact">
      <div><dt>${t("approvals.customer")}</dt><dd><a href=${`#/customers/${order.customer_id}`}><${RecordName} kind="customers" id=${order.customer_id} fallback=${t("approvals.customer_unknown")} /></a></dd></div>
      <div><dt>${t("approvals.owner")}</dt><dd><${UserName} id=${order.owner_id} /></dd></div>
      ${order.created_by && order.created_by !== order.owner_id && html`<div><dt>${t("approvals.created_by")}</dt><dd><${UserName} id=${order.created_by} /></dd></div>`}
      <div><dt>${t("approvals.discount")}</dt><dd>${discount ? percent(discount) : t("approvals.price_below_list")}</dd></div>
      <div><dt>${t("approvals.submitted_at")}</dt><dd>${dateTime(order.created_at)}</dd></div>
    </dl>
    <ul class="approval-lines">${(order.lines || []).map((l) => html`<li>
      ${l.product_name || ""} × ${l.quantity} · ${money(l.unit_price)}${Number(l.discount_pct) ? ` · −${percent(l.discount_pct)}` : ""} = ${money(l.gross)}</li>`)}</ul>
    <${Refusal} code=${refusal} />
    <div class="card-actions">
      <button type="button" class="primary" disabled=${busy || !!refusal} onClick=${() => decide("approve")}>${t("approvals.approve")}</button>
      <button type="button" class="danger" disabled=${busy || !!refusal} onClick=${() => decide("reject")}>${t("approvals.reject")}</button>
      <a class="button" href=${`#/orders/${order.id}`}>${t("approvals.open")}</a>
    </div>
  </li>`;
}

function ExpenseCard({ expense, me, teamIds, onDecided }) {
  const [busy, setBusy] = useState(false);
  const refusal = expenseRefusal(expense, me, teamIds);
  const decide = async (action) => {
    const reason = await confirmDialog({
      title: t(action === "approve" ? "approvals.approve_expense" : "approvals.reject_expense"),
      message: `${label("expense_category", expense.category)} ${money(expense.amount)}`,
      danger: action === "reject", confirmLabel: t(action === "approve" ? "approvals.approve" : "approvals.reject"),
      input: { label: t(action === "approve" ? "approvals.comment" : "approvals.reason"), required: action === "reject" },
    });
    if (reason === null) return;
    setBusy(true);
    try {
      const after = await api.post(`/expenses/${expense.id}/${action}`, reason ? { reason } : {}, { key: newKey() });
      toast(t(action === "approve" ? "approvals.expense_approved" : "approvals.expense_rejected"));
      onDecided(after);
    } catch (err) {
      toast(errorText(err), "error");
      setBusy(false);
    }
  };
  return html`<li class="card approval">
    <div class="approval-head">
      <a class="approval-title" href=${`#/expenses/${expense.id}`}>${label("expense_category", expense.category)}</a>
      <strong class="approval-amount">${money(expense.amount)}</strong>
    </div>
    <dl class="details compact">
      <div><dt>${t("approvals.submitter")}</dt><dd><${UserName} id=${expense.submitter_id} /></dd></div>
      ${expense.customer_id && html`<div><dt>${t("approvals.customer")}</dt><dd><a href=${`#/customers/${expense.customer_id}`}><${RecordName} kind="customers" id=${expense.customer_id} fallback=${t("approvals.customer_unknown")} /></a></dd></div>`}
      ${expense.order_id && html`<div><dt>${t("approvals.order")}</dt><dd><a href=${`#/orders/${expense.order_id}`}><${RecordName} kind="orders" id=${expense.order_id} field="number" fallback=${t("approvals.order")} /></a></dd></div>`}
      <div><dt>${t("approvals.submitted_at")}</dt><dd>${date(expense.created_at)}</dd></div>
    </dl>
    ${expense.description && html`<p class="approval-text">${expense.description}</p>`}
    <${Refusal} code=${refusal} />
    <div class="card-actions">
      <button type="button" class="primary" disabled=${busy || !!refusal} onClick=${() => decide("approve")}>${t("approvals.approve")}</button>
      <button type="button" class="danger" disabled=${busy || !!refusal} onClick=${() => decide("reject")}>${t("approvals.reject")}</button>
      <a class="button" href=${`#/expenses/${expense.id}`}>${t("approvals.open")}</a>
    </div>
  </li>`;
}

function QuoteCard({ quote, me, teamIds, onDecided }) {
  const [busy, setBusy] = useState(false);
  const refusal = quoteRefusal(quote, me, teamIds);
  const decide = async (action) => {
    const comment = await confirmDialog({
      title: t(action === "approve" ? "approvals.approve_quote" : "approvals.reject_quote"),
      message: `${quote.number} · ${money(quote.gross)}`, danger: action === "reject",
      confirmLabel: t(action === "approve" ? "approvals.approve" : "approvals.reject"),
      input: { label: t(action === "approve" ? "approvals.comment" : "approvals.reason"), required: action === "reject" },
    });
    if (comment === null) return;
    setBusy(true);
    try {
      const after = await api.post(`/quotes/${quote.id}/${action}`, comment ? { comment } : {}, { key: newKey() });
      toast(t(action === "approve" ? "approvals.quote_approved" : "approvals.quote_rejected", { number: quote.number }));
      onDecided(after);
    } catch (err) {
      toast(errorText(err), "error");
      setBusy(false);
    }
  };
  const discount = largestDiscount(quote);
  return html`<li class="card approval" data-quote=${quote.number}>
    <div class="approval-head">
      <a class="approval-title" href=${`#/quotes/${quote.id}`}>${t("approvals.quote_title", { number: quote.number })}</a>
      <strong class="approval-amount">${money(quote.gross)}</strong>
    </div>
    <dl class="details compact">
      <div><dt>${t("approvals.customer")}</dt><dd><a href=${`#/customers/${quote.customer_id}`}><${RecordName} kind="customers" id=${quote.customer_id} fallback=${t("approvals.customer_unknown")} /></a></dd></div>
      <div><dt>${t("approvals.owner")}</dt><dd><${UserName} id=${quote.owner_id} /></dd></div>
      <div><dt>${t("approvals.discount")}</dt><dd>${discount ? percent(discount) : t("approvals.price_below_list")}</dd></div>
      <div><dt>${t("approvals.valid_until")}</dt><dd>${date(quote.valid_until)}</dd></div>
    </dl>
    <ul class="approval-lines">${(quote.lines || []).map((l) => html`<li>
      ${l.product_name || ""} × ${l.quantity} · ${money(l.unit_price)}${Number(l.discount_pct) ? ` · −${percent(l.discount_pct)}` : ""} = ${money(l.gross)}</li>`)}</ul>
    ${quote.approval_note && html`<p class="approval-text">${quote.approval_note}</p>`}
    <${Refusal} code=${refusal} />
    <div class="card-actions">
      <button type="button" class="primary" disabled=${busy || !!refusal} onClick=${() => decide("approve")}>${t("approvals.approve")}</button>
      <button type="button" class="danger" disabled=${busy || !!refusal} onClick=${() => decide("reject")}>${t("approvals.reject")}</button>
      <a class="button" href=${`#/quotes/${quote.id}`}>${t("approvals.open")}</a>
    </div>
  </li>`;
}

function ProjectCard({ project, me, teamIds, onDecided }) {
  const [busy, setBusy] = useState(false);
  const refusal = projectRefusal(project, me, teamIds);
  const decide = async (action) => {
    setBusy(true);
    try {
      const after = await decideProject(project, action);
      if (after === null) return;
      toast(t(action === "approve" ? "project.approved" : "project.rejected", { number: project.number }));
      onDecided(after);
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  const rivals = (project.competitors || []).map((c) => c.name).filter(Boolean);
  return html`<li class="card approval" data-project=${project.number}>
    <div class="approval-head">
      <a class="approval-title" href=${`#/projects/${project.id}`}>${t("approvals.project_title", { number: project.number })} ${project.name}</a>
      ${project.estimated_amount && html`<strong class="approval-amount">${money(project.estimated_amount)}</strong>`}
    </div>
    <dl class="details compact">
      <div><dt>${t("approvals.customer")}</dt><dd><a href=${`#/customers/${project.customer_id}`}>${project.customer_name || html`<${RecordName} kind="customers" id=${project.customer_id} fallback=${t("approvals.customer_unknown")} />`}</a></dd></div>
      <div><dt>${t("approvals.owner")}</dt><dd><${UserName} id=${project.owner_id} /></dd></div>
      ${project.budget && html`<div><dt>${t("project.budget")}</dt><dd>${money(project.budget)}</dd></div>`}
      ${rivals.length > 0 && html`<div><dt>${t("project.competition")}</dt><dd>${rivals.join("、")}</dd></div>`}
      <div><dt>${t("approvals.submitted_at")}</dt><dd>${dateTime(project.submitted_at)}</dd></div>
    </dl>
    ${project.submit_note && html`<p class="approval-text">${project.submit_note}</p>`}
    <${Refusal} code=${refusal} />
    <div class="card-actions">
      <button type="button" class="primary" disabled=${busy || !!refusal} onClick=${() => decide("approve")}>${t("approvals.approve")}</button>
      <button type="button" class="danger" disabled=${busy || !!refusal} onClick=${() => decide("reject")}>${t("approvals.reject")}</button>
      <a class="button" href=${`#/projects/${project.id}?tab=documents`}>${t("approvals.open")}</a>
    </div>
  </li>`;
}

/** An order just decided here: its status followed until the reservation settles it. */
function Decided({ order }) {
  const [current, setCurrent] = useState(order);
  useEffect(() => {
    let live = true;
    let tries = 0;
    let timer;
    const poll = async () => {
      tries += 1;
      try {
        const fresh = await api.get(`/orders/${order.id}`);
        if (!live) return;
        setCurrent(fresh);
        if (!WAITING.includes(fresh.status)) return;
      } catch {
        /* try again */
      }
      if (live && tries < SETTLED_TRIES) timer = setTimeout(poll, SETTLED_POLL_MS);
    };
    if (WAITING.includes(order.status)) timer = setTimeout(poll, SETTLED_POLL_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [order.id]);
  return html`<li class="decided" data-decided=${current.number}>
    <a href=${`#/orders/${current.id}`}>${t("approvals.order_title", { number: current.number })}</a>
    <${Badge} group="order_status" code=${current.status} />
    ${current.status === "pending" && html`<span class="muted">${t("approvals.reserving")}</span>`}
    ${current.reason && current.status === "rejected" && html`<span class="muted">${current.reason}</span>`}
  </li>`;
}

function useInbox(path, query, bump) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let live = true;
    api.get(path, query).then((data) => live && setState({ data, error: null }))
      .catch((error) => live && setState({ data: null, error }));
    return () => {
      live = false;
    };
  }, [bump]);
  return state;
}

export default function Approvals({ query, user }) {
  useStylesheet("/portal/manage.css");
  const users = useUsers();
  const teamIds = new Set(subordinates(users, user.id).map((u) => u.id));
  const [bump, setBump] = useState(0);
  const [decided, setDecided] = useState([]);
  const orders = useInbox("/orders", { status: "pending_approval", per_page: 100 }, bump);
  const expenses = useInbox("/expenses", { status: "submitted", per_page: 100 }, bump);
  const projects = useInbox("/projects", { status: "pending_approval", sort: "submitted_at", per_page: 100 }, bump);
  const quotes = useInbox("/quotes", { approval_status: "pending", sort: "updated_at", per_page: 100 }, bump);
  const orderDone = (order) => {
    setDecided((list) => [order, ...list.filter((o) => o.id !== order.id)]);
    setBump((n) => n + 1);
  };
  const expenseDone = () => setBump((n) => n + 1);
  const decidable = (items, refusal) => (items || []).filter((x) => !refusal(x, user, teamIds)).length;
  const orderItems = orders.data ? orders.data.items : [];
  const expenseItems = expenses.data ? expenses.data.items : [];
  const projectItems = projects.data ? projects.data.items : [];
  const quoteItems = quotes.data ? quotes.data.items : [];
  const tabs = [
    {
      key: "orders", label: t("approvals.orders"), count: orders.data ? decidable(orderItems, orderRefusal) : null,
      render: () => html`
        ${decided.length > 0 && html`<section class="decided-list" aria-label=${t("approvals.decided")}>
          <h2>${t("approvals.decided")}</h2><ul>${decided.map((o) => html`<${Decided} key=${o.id} order=${o} />`)}</ul></section>`}
        <${Pending} ...${orders} />
        ${orders.data && (orderItems.length
          ? html`<ul class="cards approvals">${orderItems.map((o) => html`<${OrderCard} key=${o.id} order=${o} me=${user} teamIds=${teamIds} onDecided=${orderDone} />`)}</ul>`
          : html`<${Empty} text=${t("approvals.no_orders")} hint=${t("approvals.no_orders_hint")} />`)}
        ${orders.data && orders.data.total > orderItems.length && html`<p class="muted">${t("approvals.more", { total: orders.data.total })}</p>`}`,
    },
    {
      key: "quotes", label: t("approvals.quotes"), count: quotes.data ? decidable(quoteItems, quoteRefusal) : null,
      render: () => html`
        <${Pending} ...${quotes} />
        ${quotes.data && (quoteItems.length
          ? html`<ul class="cards approvals">${quoteItems.map((x) => html`<${QuoteCard} key=${x.id} quote=${x} me=${user} teamIds=${teamIds} onDecided=${expenseDone} />`)}</ul>`
          : html`<${Empty} text=${t("approvals.no_quotes")} hint=${t("approvals.no_quotes_hint")} />`)}
        ${quotes.data && quotes.data.total > quoteItems.length && html`<p class="muted">${t("approvals.more", { total: quotes.data.total })}</p>`}`,
    },
    {
      key: "projects", label: t("approvals.projects"), count: projects.data ? decidable(projectItems, projectRefusal) : null,
      render: () => html`
        <${Pending} ...${projects} />
        ${projects.data && (projectItems.length
          ? html`<ul class="cards approvals">${projectItems.map((x) => html`<${ProjectCard} key=${x.id} project=${x} me=${user} teamIds=${teamIds} onDecided=${expenseDone} />`)}</ul>`
          : html`<${Empty} text=${t("approvals.no_projects")} hint=${t("approvals.no_projects_hint")} />`)}
        ${projects.data && projects.data.total > projectItems.length && html`<p class="muted">${t("approvals.more", { total: projects.data.total })}</p>`}`,
    },
    {
      key: "expenses", label: t("approvals.expenses"), count: expenses.data ? decidable(expenseItems, expenseRefusal) : null,
      render: () => html`
        <${Pending} ...${expenses} />
        ${expenses.data && (expenseItems.length
          ? html`<ul class="cards approvals">${expenseItems.map((x) => html`<${ExpenseCard} key=${x.id} expense=${x} me=${user} teamIds=${teamIds} onDecided=${expenseDone} />`)}</ul>`
          : html`<${Empty} text=${t("approvals.no_expenses")} hint=${t("approvals.no_expenses_hint")} />`)}
        ${expenses.data && expenses.data.total > expenseItems.length && html`<p class="muted">${t("approvals.more", { total: expenses.data.total })}</p>`}`,
    },
  ];
  return html`<section>
    <${PageHeader} title=${t("approvals.title")} subtitle=${t("approvals.subtitle")}
      actions=${html`<button type="button" onClick=${() => setBump((n) => n + 1)}>${t("approvals.refresh")}</button>`} />
    <${Tabs} tabs=${tabs} query=${query} />
  </section>`;
}
