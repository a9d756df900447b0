// The customer page's tabs of related records: opportunities, quotes, orders (the sales
// screens open them), invoices and payments received, complaints, service orders. Each is a list of the
// customer's records only (baseQuery customer_id), one page at a time.
import { html } from "../lib.js";
import { date, dateTime, label, mergeCatalogues, money, percent, t } from "../i18n.js";
import serviceCat from "../i18n/service.js";
import projectCat from "../i18n/projects.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { UserName } from "../names.js";
import { CUSTOMER_TABS } from "./customer-tabs.js";

mergeCatalogues(serviceCat); // complaints' and service orders' words
mergeCatalogues(projectCat); // customer projects' words

const SELLERS = ["sales", "manager", "admin"];

function related(key, labelKey, props) {
  CUSTOMER_TABS.push({
    key, labelKey,
    render: ({ customer, query, user }) => html`<${ListPage} headerless listKey=${`customer-${key}`} path=${props.path}
      query=${query} baseQuery=${{ customer_id: customer.id }} perPageDefault=${20} filters=${props.filters || []} noViews
      emptyText=${t("customer.related_empty")}
      columns=${props.columns()} rowHref=${props.href} emptyHint=${t(`customer.${key}_empty_hint`)}
      actions=${null} below=${props.below && (() => props.below(customer, user))} />`,
  });
}

related("opportunities", "customer.tab.opportunities", {
  path: "/opportunities",
  href: (r) => `#/opportunities/${r.id}`,
  columns: () => [
    { key: "name", label: t("opportunity.name"), main: true },
    { key: "stage", label: t("opportunity.stage"), render: (r) => html`<${Badge} group="stage" code=${r.stage} />` },
    { key: "amount", label: t("opportunity.amount"), num: true, render: (r) => money(r.amount) },
    { key: "probability", label: t("opportunity.probability"), num: true, render: (r) => percent(r.probability) },
    { key: "expected_close_date", label: t("opportunity.close_date"), render: (r) => date(r.expected_close_date) },
    { key: "owner_id", label: t("customer.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
  ],
});

related("projects", "customer.tab.projects", {
  path: "/projects",
  href: (r) => `#/projects/${r.id}`,
  columns: () => [
    { key: "number", label: t("project.number") },
    { key: "name", label: t("project.name"), main: true },
    { key: "status", label: t("project.status"), render: (r) => html`<${Badge} group="project_status" code=${r.status} />` },
    { key: "estimated_amount", label: t("project.estimated_amount"), num: true, render: (r) => money(r.estimated_amount) },
    { key: "owner_id", label: t("customer.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
  ],
  below: (customer, user) => SELLERS.includes(user.role) && html`<p><a class="button" href=${`#/projects/new?customer_id=${customer.id}`}>${t("project.new")}</a></p>`,
});

related("quotes", "customer.tab.quotes", {
  path: "/quotes",
  href: (r) => `#/quotes/${r.id}`,
  columns: () => [
    { key: "number", label: t("quote.number"), main: true, render: (r) => r.number || r.id.slice(0, 8) },
    { key: "status", label: t("customer.status"), render: (r) => html`<${Badge} group="quote_status" code=${r.status} />` },
    { key: "gross", label: t("quote.gross"), num: true, render: (r) => money(r.gross) },
    { key: "valid_until", label: t("quote.valid_until"), render: (r) => date(r.valid_until) },
    { key: "created_at", label: t("customer.created_at"), render: (r) => date(r.created_at) },
  ],
});

related("orders", "customer.tab.orders", {
  path: "/orders",
  href: (r) => `#/orders/${r.id}`,
  columns: () => [
    { key: "number", label: t("order.number"), main: true, render: (r) => r.number || r.id.slice(0, 8) },
    { key: "status", label: t("customer.status"), render: (r) => html`<${Badge} group="order_status" code=${r.status} />` },
    { key: "payment_status", label: t("order.payment_status"), render: (r) => html`<${Badge} group="payment_status" code=${r.payment_status} />` },
    { key: "gross", label: t("quote.gross"), num: true, render: (r) => money(r.gross) },
    { key: "paid_amount", label: t("order.paid"), num: true, render: (r) => money(r.paid_amount) },
    { key: "created_at", label: t("customer.created_at"), render: (r) => date(r.created_at) },
  ],
});

related("invoices", "customer.tab.invoices", {
  path: "/invoices",
  columns: () => [
    { key: "number", label: t("invoice.number"), main: true },
    { key: "amount", label: t("invoice.amount"), num: true, render: (r) => money(r.amount) },
    { key: "status", label: t("customer.status"), render: (r) => html`<${Badge} group="invoice_status" code=${r.status} />` },
    { key: "order_id", label: t("invoice.order"), render: (r) => r.order_id && html`<a href=${`#/orders/${r.order_id}`}>${t("action.open")}</a>` },
    { key: "issued_at", label: t("invoice.issued_at"), render: (r) => date(r.issued_at) },
  ],
});

related("payments", "customer.tab.payments", {
  path: "/payments",
  columns: () => [
    { key: "received_at", label: t("payment.received_at"), main: true, render: (r) => dateTime(r.received_at) },
    { key: "amount_cny", label: t("payment.amount"), num: true,
      render: (r) => (r.currency && r.currency !== "CNY" ? `${money(r.amount, r.currency)} = ${money(r.amount_cny)}` : money(r.amount_cny)) },
    { key: "method", label: t("payment.method"), render: (r) => label("payment_method", r.method) },
    { key: "status", label: t("customer.status"), render: (r) => html`<${Badge} group="payment_state" code=${r.status} />` },
    { key: "kind", label: t("payment.kind"), render: (r) => (r.order_id ? html`<a href=${`#/orders/${r.order_id}`}>${t("payment.for_order")}</a>` : t("payment.prepayment")) },
  ],
});

related("complaints", "customer.tab.complaints", {
  path: "/complaints",
  href: (r) => `#/complaints/${r.id}`,
  columns: () => [
    { key: "subject", label: t("complaint.subject"), main: true },
    { key: "status", label: t("customer.status"), render: (r) => html`<${Badge} group="complaint_status" code=${r.status} />` },
    { key: "assignee_id", label: t("complaint.assignee"), render: (r) => html`<${UserName} id=${r.assignee_id} />` },
    { key: "created_at", label: t("customer.created_at"), render: (r) => date(r.created_at) },
  ],
  below: (customer, user) => SELLERS.includes(user.role) && customer.status !== "deleted"
    && html`<a class="button" href=${`#/complaints/new?customer_id=${customer.id}`}>${t("complaint.new")}</a>`,
});

related("service_orders", "customer.tab.service_orders", {
  path: "/service-orders",
  href: (r) => `#/service-orders/${r.id}`,
  columns: () => [
    { key: "subject", label: t("service_order.subject"), main: true },
    { key: "number", label: t("service_order.number") },
    { key: "kind", label: t("service_order.kind"), render: (r) => label("service_kind", r.kind) },
    { key: "status", label: t("customer.status"), render: (r) => html`<${Badge} group="service_status" code=${r.status} />` },
    { key: "assignee_id", label: t("service_order.assignee"), render: (r) => html`<${UserName} id=${r.assignee_id} />` },
    { key: "due_at", label: t("service_order.due_at"), render: (r) => dateTime(r.due_at) },
  ],
  below: (customer, user) => SELLERS.includes(user.role) && customer.status !== "deleted"
    && html`<a class="button" href=${`#/service-orders/new?customer_id=${customer.id}`}>${t("service_order.new")}</a>`,
});
