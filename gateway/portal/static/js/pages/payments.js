// Payments: the list (order payments and prepayments; reps' cash awaiting finance is
// confirmed or rejected here), and recording one in any currency with its CNY value shown
// before saving (a missing rate is explained, with a link to enter it).
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, decimal, label, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/finance.js";
import { ListPage } from "../ui/list.js";
import { Badge, CustomerLink, PageHeader } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";
import { describeOrder } from "./invoices.js";

mergeCatalogues(cat);

const METHODS = ["bank_transfer", "cash", "cheque", "alipay", "wechat_pay", "card", "bank_acceptance_bill", "other"];
const CURRENCIES = ["CNY", "USD", "EUR", "HKD", "JPY", "GBP"];

/** The CNY value the server will record (its rate lookup and rounding), or why there is none. */
function Conversion({ values }) {
  const [state, setState] = useState(null);
  const { currency, amount, received_at: at } = values;
  useEffect(() => {
    if (!currency || currency === "CNY" || !amount) {
      setState(null);
      return undefined;
    }
    let live = true;
    const timer = setTimeout(() => {
      const day = at ? new Date(at).toISOString().slice(0, 10) : undefined;
      api.get("/exchange-rates/convert", { currency, amount, date: day })
        .then((a) => live && setState(a))
        .catch((err) => live && setState(err.code === "missing_exchange_rate" ? { missing: true, currency } : null));
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [currency, amount, at]);
  if (!state) return null;
  if (state.missing) {
    return html`<div class="hint warn" role="status">${t("payment.no_rate", { currency: state.currency })}
      <a href="#/finance/rates">${t("payment.enter_rate")}</a></div>`;
  }
  return html`<div class="hint" role="status" data-cny=${state.amount_cny}>${t("payment.preview",
    { date: date(state.rate_date), rate: decimal(state.rate_to_cny, 6), cny: money(state.amount_cny) })}</div>`;
}

function RecordPayment({ query, user }) {
  const [values, setValues] = useState({});
  const [customer, setCustomer] = useState({ id: query.customer_id || "", name: query.customer_name || "" });
  const rep = ["sales", "manager"].includes(user.role);
  const fields = [
    { name: "order_id", label: customer.id ? t("payment.order") : t("invoice.order"), type: "record", kind: "orders", wide: true,
      describe: describeOrder, required: !customer.id, query: customer.id ? { customer_id: customer.id } : {},
      help: customer.id ? undefined : t("payment.prepayment_hint") },
    { name: "amount", label: t("payment.amount"), type: "money", required: true },
    { name: "currency", label: t("payment.currency"), type: "select", noEmpty: true, options: CURRENCIES.map((c) => [c, c]) },
    { name: "method", label: t("payment.method"), type: "select", required: true,
      options: (rep ? ["cash"] : METHODS).map((m) => [m, label("method", m)]) },
    { name: "received_at", label: t("payment.received_at"), type: "datetime" },
    { name: "account", label: t("payment.account"), maxLength: 200 },
    { name: "note", label: t("payment.note"), type: "textarea", wide: true },
  ];
  const submit = async (body, key) => {
    let customerId = customer.id;
    if (body.order_id) customerId = (await api.get(`/orders/${body.order_id}`)).customer_id;
    return api.post("/payments", { ...body, customer_id: customerId }, { key });
  };
  return html`<section>
    <${PageHeader} title=${t("payments.new")} back="#/payments"
      subtitle=${customer.name && html`${t("payment.customer")}: ${customer.name}`} />
    <${Form} fields=${fields} initial=${{ order_id: query.order_id || "", amount: "", currency: "CNY", method: rep ? "cash" : "",
      received_at: "", account: "", note: "" }}
      onChange=${(v, changed) => { setValues(v); if (changed === "order_id" && !v.order_id && !query.customer_id) setCustomer({ id: "", name: "" }); }}
      submit=${submit} onDone=${() => { toast(t("payment.recorded")); location.hash = "#/payments"; }} onCancel=${() => history.back()}>
      <${Conversion} values=${values} />
    </${Form}>
  </section>`;
}

export default function Payments({ query, user, path }) {
  const [n, setN] = useState(0);
  if (path === "/payments/new") return html`<${RecordPayment} query=${query} user=${user} />`;
  const finance = ["finance", "admin"].includes(user.role);
  return html`<${ListPage} listKey="payments" title=${t("payments.title")} path="/payments" query=${query} refreshKey=${n}
    filters=${[
      { name: "kind", label: t("payment.kind"), type: "select", options: ["order", "prepayment"].map((k) => [k, label("payment_kind", k)]) },
      { name: "status", label: t("record.status"), type: "select",
        options: ["confirmed", "unconfirmed", "rejected"].map((s) => [s, label("payment_status", s)]) },
    ]}
    columns=${[
      { key: "received_at", label: t("payment.received_at"), main: true, render: (r) => dateTime(r.received_at) },
      { key: "customer_name", label: t("payment.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} name=${r.customer_name} />` },
      { key: "kind", label: t("payment.kind"), render: (r) => (r.order_id ? html`<a href=${`#/orders/${r.order_id}`}>${label("payment_kind", r.kind)}</a>` : label("payment_kind", r.kind)) },
      { key: "amount", label: t("payment.amount"), num: true, render: (r) => money(r.amount, r.currency) },
      { key: "amount_cny", label: t("payment.cny"), num: true, render: (r) => money(r.amount_cny) },
      { key: "method", label: t("payment.method"), render: (r) => label("method", r.method) },
      { key: "status", label: t("record.status"), render: (r) => html`<${Badge} group="payment_status" code=${r.status} />` },
      ...(finance ? [{ key: "actions", label: "", render: (r) => r.status === "unconfirmed" && html`<span class="row-actions">
        <${ActionButton} label=${t("payment.confirm")} primary run=${() => api.post(`/payments/${r.id}/confirm`, {})} onDone=${() => setN(n + 1)} />
        <${ActionButton} label=${t("payment.reject")} danger input=${{ label: t("payment.reject_reason"), required: true }}
          run=${(reason) => api.post(`/payments/${r.id}/reject`, { reason })} onDone=${() => setN(n + 1)} /></span>` }] : []),
    ]}
    rowHref=${(r) => (r.order_id ? `#/orders/${r.order_id}` : null)}
    baseQuery=${Object.fromEntries(["customer_id", "order_id"].filter((k) => query[k]).map((k) => [k, query[k]]))}
    actions=${html`<a class="button primary" href="#/payments/new">${t("payments.new")}</a>`} />`;
}
