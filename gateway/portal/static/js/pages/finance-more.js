// Finance's other lists: prepayments and their allocation to orders, expense claims to pay,
// exchange rates, opening balances (entered one by one or imported from a file).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, decimal, errorText, label, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/finance.js";
import { ListPage } from "../ui/list.js";
import { Badge, CustomerLink, PageHeader } from "../ui/page.js";
import { Form } from "../ui/form.js";
import { ActionButton } from "../ui/actions.js";
import { toast } from "../ui/feedback.js";
import { UserName } from "../names.js";
import { describeOrder } from "./invoices.js";
import { askUndo, historyColumns, ImportPanel, UndoRefusal } from "../ui/import-panel.js";

mergeCatalogues(cat);

// a function: the label in the language chosen when the list is drawn, not when the module loaded
const customerCol = () => ({ key: "customer_name", label: t("finance.customer"),
  render: (r) => html`<${CustomerLink} id=${r.customer_id} name=${r.customer_name} />` });

function Allocate({ payment, onDone }) {
  const fields = [
    { name: "order_id", label: t("prepayment.order"), type: "record", kind: "orders", required: true, wide: true,
      describe: describeOrder, query: { customer_id: payment.customer_id } },
    { name: "amount", label: t("prepayment.amount"), type: "money", required: true },
  ];
  return html`<${Form} compact fields=${fields} submit=${(body, key) => api.post("/prepayments/allocate",
    { ...body, customer_id: payment.customer_id }, { key })} onDone=${onDone} onCancel=${onDone} />`;
}

function Prepayments({ query }) {
  const [open, setOpen] = useState(null);
  const [n, setN] = useState(0);
  return html`<${ListPage} listKey="prepayments" title=${t("prepayments.title")} path="/prepayments" query=${query} refreshKey=${n}
    columns=${[
      { key: "received_at", label: t("payment.received_at"), main: true, render: (r) => dateTime(r.received_at) },
      customerCol(),
      { key: "amount_cny", label: t("payment.cny"), num: true, render: (r) => money(r.amount_cny) },
      { key: "method", label: t("payment.method"), render: (r) => label("method", r.method) },
      { key: "status", label: t("record.status"), render: (r) => html`<${Badge} group="payment_status" code=${r.status} />` },
      { key: "allocate", label: "", render: (r) => (open === r.id
        ? html`<${Allocate} payment=${r} onDone=${() => { setOpen(null); setN(n + 1); }} />`
        : r.status === "confirmed" && html`<button type="button" onClick=${() => setOpen(r.id)}>${t("prepayments.allocate")}</button>`) },
    ]}
    actions=${html`<a class="button primary" href="#/payments/new">${t("payments.new")}</a>`} />`;
}

function ExpensesToPay({ query }) {
  const [n, setN] = useState(0);
  return html`<${ListPage} listKey="expenses-to-pay" title=${t("expenses_pay.title")} path="/expenses" query=${{ status: "approved", ...query }} refreshKey=${n}
    filters=${[{ name: "status", label: t("expense.status"), type: "select",
      options: ["submitted", "approved", "paid", "rejected"].map((s) => [s, label("expense_status", s)]) }]}
    columns=${[
      { key: "created_at", label: t("expense.created_at"), main: true, render: (r) => date(r.created_at) },
      { key: "submitter_id", label: t("expense.submitter"), render: (r) => html`<${UserName} id=${r.submitter_id} />` },
      { key: "category", label: t("expense.category") },
      { key: "description", label: t("expense.description") },
      { key: "amount", label: t("expense.amount"), num: true, render: (r) => money(r.amount) },
      { key: "status", label: t("expense.status"), render: (r) => html`<${Badge} group="expense_status" code=${r.status} />` },
      { key: "pay", label: "", render: (r) => r.status === "approved" && html`<${ActionButton} label=${t("expense.pay")} primary
        confirm=${`${r.category} · ${money(r.amount)}`} done=${t("expense.paid")}
        run=${() => api.post(`/expenses/${r.id}/pay`, {})} onDone=${() => setN(n + 1)} />` },
    ]} />`;
}

function Rates({ query }) {
  const [n, setN] = useState(0);
  const fields = [
    { name: "currency", label: t("rate.currency"), required: true, maxLength: 3, placeholder: "USD" },
    { name: "rate_to_cny", label: t("rate.rate"), type: "number", required: true, placeholder: "7.1234" },
    { name: "date", label: t("rate.date"), type: "date", required: true },
  ];
  return html`<section>
    <${PageHeader} title=${t("rates.title")} />
    <h2>${t("rates.new")}</h2>
    <${Form} compact fields=${fields} initial=${{ currency: "", rate_to_cny: "", date: new Date().toISOString().slice(0, 10) }}
      submit=${(body, key) => api.post("/exchange-rates", body, { key })} onDone=${() => { toast(t("form.saved")); setN(n + 1); }} />
    <${ListPage} headerless listKey="rates" path="/exchange-rates" query=${query} refreshKey=${n}
      filters=${[{ name: "currency", label: t("rate.currency"), type: "text" }]}
      columns=${[
        { key: "date", label: t("rate.date"), main: true, render: (r) => date(r.date) },
        { key: "currency", label: t("rate.currency") },
        { key: "rate_to_cny", label: t("rate.rate"), num: true, render: (r) => decimal(r.rate_to_cny, 6) },
      ]} />
  </section>`;
}

/** A customer's receivable from before the system (once per customer): finance finds the
 * customer by name through the receivables list (it never reads the customer itself). */
function NewOpening({ onDone }) {
  const fields = [
    { name: "customer_id", label: t("finance.customer"), type: "record", kind: "receivables", idKey: "customer_id",
      describe: (r) => r.customer_name || r.customer_id, required: true, wide: true,
      help: t("opening.customer_help") },
    { name: "amount", label: t("finance.opening"), type: "money", required: true },
    { name: "as_of", label: t("opening.as_of"), type: "date" },
    { name: "note", label: t("payment.note"), type: "textarea", wide: true },
  ];
  return html`<${Form} fields=${fields} initial=${{ customer_id: "", amount: "", as_of: new Date().toISOString().slice(0, 10), note: "" }}
    submit=${(body, key) => api.post("/opening-balances", { ...body, as_of: body.as_of || undefined, note: body.note || undefined }, { key })}
    onDone=${() => { toast(t("opening.saved")); onDone(true); }} onCancel=${() => onDone(false)} />`;
}

/** Opening balances from a file (POST /imports/opening-balances): preview and column
 * mapping, the result with its failed rows, the history with each import's undo. */
function OpeningImport({ onChange, refreshKey }) {
  const [open, setOpen] = useState(false);
  const [refused, setRefused] = useState(null);
  const [problem, setProblem] = useState(null);
  const undo = async (id) => {
    const answer = await askUndo(id, setRefused, "opening-balances");
    onChange();
    return answer;
  };
  return html`<details class="opening-import" open=${open} onToggle=${(e) => setOpen(e.target.open)}>
    <summary>${t("opening.import")}</summary>
    <${ImportPanel} kinds=${["opening-balances"]} onChange=${onChange} />
    <h3>${t("opening.imports_history")}</h3>
    <${UndoRefusal} error=${refused} />
    ${problem && html`<div class="form-error" role="alert">${errorText(problem)}</div>`}
    ${open && html`<${ListPage} headerless listKey="opening-imports" path="/opening-balances/imports" query=${{}} refreshKey=${refreshKey}
      columns=${historyColumns({ onUndo: undo, onError: setProblem, showKind: false }).filter((c) => c.key !== "updated" && c.key !== "duplicates")} />`}
  </details>`;
}

function Opening({ query }) {
  const [adding, setAdding] = useState(false);
  const [n, setN] = useState(0);
  return html`<section>
    <${PageHeader} title=${t("opening.title")}
      actions=${!adding && html`<button type="button" class="primary" onClick=${() => setAdding(true)}>${t("opening.new")}</button>`} />
    ${adding && html`<h2>${t("opening.new")}</h2>
      <${NewOpening} onDone=${(saved) => { setAdding(false); if (saved) setN(n + 1); }} />`}
    <${OpeningImport} onChange=${() => setN((x) => x + 1)} refreshKey=${n} />
    <${ListPage} headerless listKey="opening" path="/opening-balances" query=${query} refreshKey=${n}
      columns=${[
        { ...customerCol(), main: true },
        { key: "amount", label: t("finance.opening"), num: true, render: (r) => money(r.amount) },
        { key: "as_of", label: t("opening.as_of"), render: (r) => date(r.as_of) },
        { key: "note", label: t("payment.note") },
      ]} />
  </section>`;
}

export default function FinanceMore({ path, query }) {
  if (path === "/finance/prepayments") return html`<${Prepayments} query=${query} />`;
  if (path === "/finance/expenses") return html`<${ExpensesToPay} query=${query} />`;
  if (path === "/finance/rates") return html`<${Rates} query=${query} />`;
  return html`<${Opening} query=${query} />`;
}
