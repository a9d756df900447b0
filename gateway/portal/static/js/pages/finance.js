// Receivables per customer (invoiced, paid, prepaid credit, outstanding) and their ageing;
// each customer row leads to recording a payment for it.
import { html } from "../lib.js";
import { mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/finance.js";
import { ListPage } from "../ui/list.js";
import { PageHeader, Tabs } from "../ui/page.js";

mergeCatalogues(cat);

const pay = (r) => html`<a href=${`#/payments/new?customer_id=${r.customer_id}&customer_name=${encodeURIComponent(r.customer_name || "")}`}>${t("payments.new")}</a>`;
const moneyCol = (key, labelKey) => ({ key, label: t(labelKey), num: true, render: (r) => money(r[key]) });
const customerCol = { key: "customer_name", label: t("finance.customer"), main: true, render: (r) => r.customer_name || r.customer_id.slice(0, 8) };

function Receivables({ query }) {
  return html`<${ListPage} headerless listKey="receivables" path="/receivables" query=${query}
    columns=${[customerCol, moneyCol("invoiced", "finance.invoiced"), moneyCol("paid", "finance.paid"),
      moneyCol("credit", "finance.credit"), moneyCol("outstanding", "finance.outstanding"),
      { key: "pay", label: t("payments.new"), render: pay }]}
    rowHref=${(r) => `#/invoices?customer_id=${r.customer_id}`} />`;
}

function Ageing({ query }) {
  const bucket = (name, labelKey) => moneyCol(name, labelKey);
  return html`<${ListPage} headerless listKey="ageing" path="/receivables/ageing" query=${query}
    filters=${[{ name: "as_of", label: t("finance.as_of"), type: "date" }]}
    columns=${[customerCol, bucket("days_0_30", "finance.b0_30"), bucket("days_31_60", "finance.b31_60"),
      bucket("days_61_90", "finance.b61_90"), bucket("days_over_90", "finance.b90"), moneyCol("total", "finance.outstanding"),
      { key: "pay", label: t("payments.new"), render: pay }]}
    rowHref=${(r) => `#/invoices?customer_id=${r.customer_id}`} />`;
}

export default function Finance({ query }) {
  return html`<section>
    <${PageHeader} title=${t("finance.receivables")} actions=${html`
      <a class="button" href="#/invoices/new">${t("invoices.new")}</a>
      <a class="button primary" href="#/payments/new">${t("payments.new")}</a>`} />
    <${Tabs} query=${query} tabs=${[
      { key: "receivables", label: t("finance.receivables"), render: () => html`<${Receivables} query=${query} />` },
      { key: "ageing", label: t("finance.ageing"), render: () => html`<${Ageing} query=${query} />` },
    ]} />
  </section>`;
}
