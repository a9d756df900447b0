// A product's page: what it is, its list price, and its stock per warehouse
// (GET /stock?product_id=: on hand, reserved, available). No cost price for sales.
import { html } from "../lib.js";
import { money, number, t } from "../i18n.js";
import { Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { SELLER_ROLES, WarehouseName } from "./sales-common.js";
import { AuthedPicture, PictureButtons, pictureLabels } from "../ui/picture.js";

const PICTURE_EDITORS = ["admin", "warehouse"];

function Stock({ product }) {
  const [list, error] = useApi("/stock", { product_id: product.id, per_page: 200 });
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  if (list.items.length === 0) return html`<p class="muted">${t("product.no_stock")}</p>`;
  const sum = (k) => list.items.reduce((a, r) => a + r[k], 0);
  return html`<div class="table-wrap"><table class="list" data-testid="stock">
    <thead><tr><th>${t("product.warehouse")}</th><th class="num">${t("product.on_hand")}</th>
      <th class="num">${t("product.reserved")}</th><th class="num">${t("product.available")}</th></tr></thead>
    <tbody>
      ${list.items.map((r) => html`<tr>
        <td class="main"><${WarehouseName} id=${r.warehouse_id} /></td>
        <td class="num" data-label=${t("product.on_hand")}>${number(r.on_hand)}</td>
        <td class="num" data-label=${t("product.reserved")}>${number(r.reserved)}</td>
        <td class="num" data-label=${t("product.available")}>${number(r.available)}</td>
      </tr>`)}
      <tr class="total-row"><td class="main">${t("product.total")}</td>
        <td class="num" data-label=${t("product.on_hand")}>${number(sum("on_hand"))}</td>
        <td class="num" data-label=${t("product.reserved")}>${number(sum("reserved"))}</td>
        <td class="num" data-label=${t("product.available")}>${number(sum("available"))}</td></tr>
    </tbody>
  </table></div>`;
}

export default function ProductPage({ params, user }) {
  const [product, error, reload] = useApi(`/products/${params.id}`);
  if (!product) return html`<${Pending} data=${product} error=${error} />`;
  const actions = SELLER_ROLES.includes(user.role) && product.active
    && html`<a class="button primary" href=${`#/quotes/new?product_id=${product.id}`}>${t("product.quote_it")}</a>`;
  return html`<section class="record">
    <${PageHeader} title=${`${product.name}${product.spec ? ` ${product.spec}` : ""}`} back="#/products"
      status=${html`<span class=${`badge ${product.active ? "good" : "bad"}`}>${t(product.active ? "product.active_yes" : "product.active_no")}</span>`}
      subtitle=${product.sku} actions=${actions} />
    <div class="product-head">
      <${AuthedPicture} path=${`/products/${product.id}/picture`} version=${product.picture_updated_at}
        className="product-picture" alt=${product.name} />
      ${PICTURE_EDITORS.includes(user.role) && html`<div class="card-actions"><${PictureButtons} path=${`/products/${product.id}/picture`}
        has=${Boolean(product.picture_updated_at)} labels=${pictureLabels("product.picture")} onChanged=${reload}
        testid="product-picture-input" /></div>`}
    </div>
    <${Details} items=${[
      [t("product.sku"), product.sku],
      [t("product.name"), product.name],
      [t("product.spec"), product.spec],
      [t("product.unit"), product.unit],
      [t("product.list_price"), money(product.list_price)],
      [t("product.safety_stock"), number(product.safety_stock)],
    ]} />
    <h2>${t("product.stock")}</h2>
    <${Stock} product=${product} />
  </section>`;
}
