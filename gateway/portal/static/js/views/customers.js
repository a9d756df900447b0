// 客户 Customers: the searchable, paged list and the create form.

import { get, idempotentPoster } from "../api.js";
import { badge, dash, errorBox, formatTime, h, label, loading } from "../dom.js";
import { field, formStatus, formValues, submitting } from "../forms.js";
import { CUSTOMER_STATUS, statusKind } from "../labels.js";
import { nameOf, rememberName } from "../names.js";
import { dataTable, intParam, pager, PER_PAGE_OPTIONS } from "../table.js";

const STATUS_OPTIONS = [["", "全部状态 All statuses"], ...Object.entries(CUSTOMER_STATUS)];

export function customerLink(customer) {
  return h("a", { href: `#/customers/${customer.id}`, class: "customer-link" }, customer.name);
}

function searchForm(ctx, { q, status, perPage }) {
  const form = h("form", { class: "toolbar", role: "search" },
    field("q", "搜索 Search", { value: q, placeholder: "名称、电话、联系人 Name, phone, contact" }),
    field("status", "状态 Status", { type: "select", options: STATUS_OPTIONS, value: status }),
    field("per_page", "每页 Per page", {
      type: "select", options: PER_PAGE_OPTIONS.map((n) => [String(n), String(n)]), value: String(perPage),
    }),
    h("div", { class: "field field-button" }, h("button", { type: "submit" }, "搜索 Search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    ctx.navigate("customers", { q: values.q, status: values.status, per_page: values.per_page });
  });
  return form;
}

function customersTable(ctx, items) {
  for (const c of items) rememberName("customer", c.id, c.name);
  return dataTable([
    { title: "名称 Name", cell: customerLink },
    { title: "行业 Industry", cell: (c) => dash(c.industry) },
    { title: "电话 Phone", cell: (c) => dash(c.phone) },
    { title: "分类 Category", cell: (c) => dash(c.category) },
    { title: "状态 Status", cell: (c) => badge(label(CUSTOMER_STATUS, c.status), statusKind(c.status)) },
    { title: "负责人 Owner", cell: (c) => nameOf("user", c.owner_id, { me: ctx.me }) },
    { title: "创建时间 Created", cell: (c) => formatTime(c.created_at), class: "nowrap" },
  ], items, { emptyText: "没有符合条件的客户 No customers match" });
}

export async function customerList(root, ctx) {
  const q = ctx.query.get("q") || "";
  const status = ctx.query.get("status") || "";
  const page = intParam(ctx.query.get("page"), 1);
  const perPage = intParam(ctx.query.get("per_page"), 20, 200);
  const results = h("section", { class: "results" }, loading());
  root.append(
    h("div", { class: "page-head" },
      h("h1", {}, "客户 Customers"),
      h("a", { href: "#/customers/new", class: "button primary push", id: "new-customer" }, "＋ 新建客户 New customer")),
    searchForm(ctx, { q, status, perPage }),
    results);
  try {
    const answer = await get("/customers", { q, status, page, per_page: perPage });
    if (!ctx.alive()) return;
    results.replaceChildren(customersTable(ctx, answer.items), pager(answer, (p) =>
      ctx.navigate("customers", { q, status, per_page: perPage, page: p })));
  } catch (error) {
    results.replaceChildren(errorBox(error));
  }
}

function duplicateLink(error) {
  const existing = error && error.code === "duplicate_customer" && error.details && error.details.existing_id;
  if (!existing) return null;
  return h("p", { class: "duplicate" }, "已有同名客户 A customer with this name exists: ",
    h("a", { href: `#/customers/${existing}`, id: "existing-customer" }, "查看已有客户 Open the existing customer"));
}

export function customerCreate(root, ctx) {
  const create = idempotentPoster("/customers");
  const form = h("form", { class: "card form", id: "customer-form", novalidate: true },
    field("name", "名称 Name", { required: true, placeholder: "例如 上海示例科技有限公司" }),
    field("industry", "行业 Industry"),
    field("phone", "电话 Phone", { type: "tel" }),
    field("website", "网站 Website", { type: "url", placeholder: "https://" }),
    field("category", "分类 Category", { placeholder: "A / B / C" }),
    field("address", "地址 Address", { type: "textarea" }),
    formStatus(),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "保存 Save"),
      h("a", { href: "#/customers", class: "button" }, "取消 Cancel")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const customer = await create(formValues(form));
      rememberName("customer", customer.id, customer.name);
      ctx.toast(`已创建客户 Created: ${customer.name}`);
      ctx.navigate(`customers/${customer.id}`);
    }, duplicateLink);
  });
  root.append(h("div", { class: "page-head" }, h("h1", {}, "新建客户 New customer")), form);
  form.elements.namedItem("name").focus();
}
