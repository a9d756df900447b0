// 订单 Orders: read-only, filtered by status, paged.

import { get } from "../api.js";
import { badge, errorBox, formatMoney, formatTime, h, label, loading } from "../dom.js";
import { field, formValues } from "../forms.js";
import { ORDER_STATUS, PAYMENT_STATUS, statusKind } from "../labels.js";
import { nameOf, shortId } from "../names.js";
import { dataTable, intParam, pager } from "../table.js";

const STATUS_OPTIONS = [["", "全部状态 All statuses"], ...Object.entries(ORDER_STATUS)];

function customerCell(order) {
  return h("a", { href: `#/customers/${order.customer_id}` }, nameOf("customer", order.customer_id));
}

function linesSummary(order) {
  const lines = order.lines || [];
  const names = lines.slice(0, 2).map((l) => `${l.product_name || shortId(l.product_id)} × ${l.quantity}`);
  return names.join("，") + (lines.length > 2 ? ` 等 ${lines.length} 项` : "");
}

export function ordersTable(items, { ctx, withCustomer = true } = {}) {
  const columns = [
    { title: "订单号 Number", cell: (o) => h("span", { class: "mono", title: o.id }, o.number || shortId(o.id)) },
    withCustomer ? { title: "客户 Customer", cell: customerCell } : null,
    { title: "产品 Lines", cell: linesSummary },
    { title: "状态 Status", cell: (o) => badge(label(ORDER_STATUS, o.status), statusKind(o.status)) },
    { title: "付款 Payment", cell: (o) => badge(label(PAYMENT_STATUS, o.payment_status), statusKind(o.payment_status)) },
    { title: "金额 Total", cell: (o) => formatMoney(o.gross), class: "num" },
    { title: "负责人 Owner", cell: (o) => nameOf("user", o.owner_id, { me: ctx && ctx.me }) },
    { title: "下单时间 Placed", cell: (o) => formatTime(o.created_at), class: "nowrap" },
  ].filter(Boolean);
  return dataTable(columns, items, { emptyText: "暂无订单 No orders" });
}

export async function orderList(root, ctx) {
  const status = ctx.query.get("status") || "";
  const page = intParam(ctx.query.get("page"), 1);
  const perPage = intParam(ctx.query.get("per_page"), 20, 200);
  const form = h("form", { class: "toolbar" },
    field("status", "状态 Status", { type: "select", options: STATUS_OPTIONS, value: status }),
    h("div", { class: "field field-button" }, h("button", { type: "submit" }, "筛选 Filter")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.navigate("orders", { status: formValues(form).status, per_page: perPage });
  });
  const results = h("section", { class: "results" }, loading());
  root.append(h("div", { class: "page-head" }, h("h1", {}, "订单 Orders")), form, results);
  try {
    const answer = await get("/orders", { status, page, per_page: perPage });
    if (!ctx.alive()) return;
    results.replaceChildren(ordersTable(answer.items, { ctx }),
      pager(answer, (p) => ctx.navigate("orders", { status, per_page: perPage, page: p })));
  } catch (error) {
    results.replaceChildren(errorBox(error));
  }
}
