// Read-only tables over API lists, and the pager under them.

import { h } from "./dom.js";

/**
 * columns: [{title, cell: (item) => node-or-text, class?}]; one row per item.
 * An empty list shows `emptyText` across the table.
 */
export function dataTable(columns, items, { emptyText = "暂无数据 Nothing here yet" } = {}) {
  const head = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.class || null }, c.title))));
  const rows = items.length
    ? items.map((item) => h("tr", {}, columns.map((c) => h("td", { class: c.class || null }, c.cell(item)))))
    : [h("tr", {}, h("td", { class: "empty", colspan: columns.length }, emptyText))];
  return h("div", { class: "table-wrap" }, h("table", { class: "data" }, head, h("tbody", {}, rows)));
}

/** "第 2 / 5 页 · 共 93 条" with previous/next buttons; go(page) moves. */
export function pager({ page, per_page: perPage, total }, go) {
  const pages = Math.max(1, Math.ceil((total || 0) / (perPage || 1)));
  return h("nav", { class: "pager", "aria-label": "分页 Pages" },
    h("button", { type: "button", disabled: page <= 1, onclick: () => go(page - 1) }, "‹ 上一页 Prev"),
    h("span", { class: "pager-info" }, `第 ${page} / ${pages} 页 · 共 ${total} 条`),
    h("button", { type: "button", disabled: page >= pages, onclick: () => go(page + 1) }, "下一页 Next ›"));
}

export const PER_PAGE_OPTIONS = [20, 50, 100, 200];

/** A positive integer from a query-string value, else the fallback. */
export function intParam(value, fallback, max = Infinity) {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, max) : fallback;
}
