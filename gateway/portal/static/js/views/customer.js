// One customer: details, contacts (with the add-contact form), orders and the timeline.

import { get, idempotentPoster } from "../api.js";
import { badge, dash, errorBox, formatTime, h, label, loading } from "../dom.js";
import { field, formStatus, formValues, submitting } from "../forms.js";
import { CUSTOMER_STATUS, statusKind } from "../labels.js";
import { nameOf, rememberName } from "../names.js";
import { dataTable } from "../table.js";
import { ordersTable } from "./orders.js";
import { timelinePanel } from "./timeline.js";

function details(customer, ctx) {
  const rows = [
    ["行业 Industry", dash(customer.industry)],
    ["电话 Phone", dash(customer.phone)],
    ["网站 Website", dash(customer.website)],
    ["地址 Address", dash(customer.address)],
    ["分类 Category", dash(customer.category)],
    ["负责人 Owner", nameOf("user", customer.owner_id, { me: ctx.me })],
    ["创建时间 Created", formatTime(customer.created_at)],
  ];
  if (customer.lost_reason) rows.push(["流失原因 Lost reason", customer.lost_reason]);
  return h("dl", { class: "details" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function contactsTable(items) {
  return dataTable([
    { title: "姓名 Name", cell: (c) => c.name },
    { title: "职位 Title", cell: (c) => dash(c.title) },
    { title: "电话 Phone", cell: (c) => dash(c.phone) },
    { title: "邮箱 Email", cell: (c) => dash(c.email) },
    { title: "决策人 Decision maker", cell: (c) => (c.is_decision_maker ? "是 Yes" : "否 No") },
  ], items, { emptyText: "暂无联系人 No contacts yet" });
}

function contactsSection(customerId, onAdded) {
  const list = h("div", {}, loading());
  const load = async () => {
    try {
      const answer = await get("/contacts", { customer_id: customerId, per_page: 200 });
      list.replaceChildren(contactsTable(answer.items));
    } catch (error) {
      list.replaceChildren(errorBox(error));
    }
  };
  const add = idempotentPoster(`/customers/${encodeURIComponent(customerId)}/contacts`);
  const form = h("form", { class: "form inline-form", id: "contact-form", novalidate: true },
    h("h3", {}, "添加联系人 Add contact"),
    h("div", { class: "grid" },
      field("name", "姓名 Name", { required: true }),
      field("title", "职位 Title"),
      field("phone", "电话 Phone", { type: "tel" }),
      field("email", "邮箱 Email", { type: "email" }),
      field("is_decision_maker", "决策人 Decision maker", { type: "checkbox" })),
    formStatus(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "添加 Add")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async () => {
      await add(formValues(form));
      form.reset();
      await load();
      onAdded();
    });
  });
  load();
  return h("section", { class: "card" }, h("h2", {}, "联系人 Contacts"), list, form);
}

function ordersSection(customerId, ctx) {
  const body = h("div", {}, loading());
  get("/orders", { customer_id: customerId, per_page: 20 })
    .then((answer) => body.replaceChildren(ordersTable(answer.items, { ctx, withCustomer: false }),
      answer.total > answer.items.length ? h("p", { class: "muted" }, `共 ${answer.total} 条，显示最近 ${answer.items.length} 条`) : ""))
    .catch((error) => body.replaceChildren(errorBox(error)));
  return h("section", { class: "card" }, h("h2", {}, "订单 Orders"), body);
}

export async function customerDetail(root, ctx) {
  const id = ctx.params.id;
  root.append(loading());
  let customer;
  try {
    customer = await get(`/customers/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!ctx.alive()) return;
    root.replaceChildren(errorBox(error), h("p", {}, h("a", { href: "#/customers" }, "‹ 返回客户列表 Back to customers")));
    return;
  }
  if (!ctx.alive()) return;
  rememberName("customer", customer.id, customer.name);
  const timeline = timelinePanel(customer.id, ctx);
  root.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/customers" }, "‹ 客户 Customers")),
    h("div", { class: "page-head" },
      h("h1", { id: "customer-name" }, customer.name),
      badge(label(CUSTOMER_STATUS, customer.status), statusKind(customer.status))),
    h("div", { class: "columns" },
      h("div", { class: "column" },
        h("section", { class: "card" }, h("h2", {}, "基本信息 Details"), details(customer, ctx)),
        contactsSection(customer.id, () => timeline.soon()),
        ordersSection(customer.id, ctx)),
      h("div", { class: "column" }, timeline.element)));
}
