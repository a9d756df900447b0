// 产品 Products: read-only catalogue, searchable, paged.

import { get } from "../api.js";
import { badge, dash, errorBox, formatMoney, h, loading } from "../dom.js";
import { field, formValues } from "../forms.js";
import { dataTable, intParam, pager } from "../table.js";

function productsTable(items) {
  return dataTable([
    { title: "SKU", cell: (p) => h("span", { class: "mono" }, p.sku) },
    { title: "名称 Name", cell: (p) => p.name },
    { title: "规格 Spec", cell: (p) => dash(p.spec) },
    { title: "单位 Unit", cell: (p) => dash(p.unit) },
    { title: "标价 List price", cell: (p) => formatMoney(p.list_price), class: "num" },
    { title: "安全库存 Safety stock", cell: (p) => dash(p.safety_stock), class: "num" },
    { title: "状态 Status", cell: (p) => (p.active === false ? badge("停用 Inactive", "bad") : badge("在售 Active", "ok")) },
  ], items, { emptyText: "没有符合条件的产品 No products match" });
}

export async function productList(root, ctx) {
  const q = ctx.query.get("q") || "";
  const page = intParam(ctx.query.get("page"), 1);
  const perPage = intParam(ctx.query.get("per_page"), 20, 200);
  const form = h("form", { class: "toolbar", role: "search" },
    field("q", "搜索 Search", { value: q, placeholder: "SKU 或名称 SKU or name" }),
    h("div", { class: "field field-button" }, h("button", { type: "submit" }, "搜索 Search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.navigate("products", { q: formValues(form).q, per_page: perPage });
  });
  const results = h("section", { class: "results" }, loading());
  root.append(h("div", { class: "page-head" }, h("h1", {}, "产品 Products")), form, results);
  try {
    const answer = await get("/products", { q, page, per_page: perPage });
    if (!ctx.alive()) return;
    results.replaceChildren(productsTable(answer.items),
      pager(answer, (p) => ctx.navigate("products", { q, per_page: perPage, page: p })));
  } catch (error) {
    results.replaceChildren(errorBox(error));
  }
}
