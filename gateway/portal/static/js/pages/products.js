// The product catalogue: search by SKU or name, on sale or discontinued. Sales see no cost prices.
import { html } from "../lib.js";
import { money, t } from "../i18n.js";
import { ListPage } from "../ui/list.js";
import "./sales-common.js";

export default function Products({ query }) {
  return html`<${ListPage}
    listKey="products" title=${t("product.title")} path="/products" query=${query}
    searchParam="q" searchPlaceholder=${t("product.search")}
    filters=${[{ name: "active", label: t("product.active"), type: "select",
      options: [["true", t("product.active_yes")], ["false", t("product.active_no")]] }]}
    columns=${[
      { key: "sku", label: t("product.sku"), main: true },
      { key: "name", label: t("product.name") },
      { key: "spec", label: t("product.spec") },
      { key: "unit", label: t("product.unit") },
      { key: "list_price", label: t("product.list_price"), num: true, render: (r) => money(r.list_price) },
      { key: "active", label: t("product.active"), render: (r) => html`<span class=${`badge ${r.active ? "good" : "bad"}`}>${t(r.active ? "product.active_yes" : "product.active_no")}</span>` },
    ]}
    rowHref=${(r) => `#/products/${r.id}`} />`;
}
