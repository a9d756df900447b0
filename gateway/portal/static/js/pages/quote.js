// A quote's page: status in words, lines and totals, stock warnings, and what can be done
// with it: edit (draft), mark sent, accepted or rejected, copy, PDF preview and download,
// email it (POST /quotes/{id}/send), convert to an order (then the order opens).
import { html, useState } from "../lib.js";
import { api, download, newKey, openFile } from "../api.js";
import { date, dateTime, errorText, label, money, t } from "../i18n.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { RecordName, UserName } from "../names.js";
import { CustomerLink, RecordDocuments } from "./sales-common.js";
import { Totals, Warnings } from "./sales-lines.js";
import { NewTaskButton } from "./task-parts.js";

export function LinesTable({ lines, shipped = false }) {
  return html`<div class="table-wrap"><table class="list lines">
    <thead><tr>
      <th>#</th><th>${t("quote.product")}</th><th class="num">${t("quote.quantity")}</th>
      ${shipped && html`<th class="num">${t("order.shipped_qty")}</th>`}
      <th class="num">${t("quote.unit_price")}</th><th class="num">${t("quote.discount")}</th><th class="num">${t("quote.tax_rate")}</th>
      <th class="num">${t("quote.net")}</th><th class="num">${t("quote.tax")}</th><th class="num">${t("quote.gross")}</th>
    </tr></thead>
    <tbody>${lines.map((ln, i) => html`<tr data-testid="quote-line" data-index=${i}>
      <td class="line-no">${i + 1}</td>
      <td class="main" data-label=${t("quote.product")}><a href=${`#/products/${ln.product_id}`}>${ln.product_name || html`<${RecordName} kind="products" id=${ln.product_id} />`}</a></td>
      <td class="num" data-label=${t("quote.quantity")}>${ln.quantity}</td>
      ${shipped && html`<td class="num" data-label=${t("order.shipped_qty")}>${ln.shipped_quantity ?? 0}</td>`}
      <td class="num" data-label=${t("quote.unit_price")}>${money(ln.unit_price)}</td>
      <td class="num" data-label=${t("quote.discount")}>${ln.discount_pct}%</td>
      <td class="num" data-label=${t("quote.tax_rate")}>${ln.tax_rate}%</td>
      <td class="num" data-label=${t("quote.net")}>${money(ln.net)}</td>
      <td class="num" data-label=${t("quote.tax")}>${money(ln.tax)}</td>
      <td class="num" data-label=${t("quote.gross")}>${money(ln.gross)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

/** Where a quote's discount approval stands, and what the caller can do about it. */
export function approvalState(quote, user) {
  if (!quote.needs_approval) return { held: false };
  const state = quote.approval_status || "none";
  const decider = (user.role === "admin" || user.role === "manager") && user.id !== quote.owner_id;
  return {
    held: state !== "approved", state,
    canSubmit: quote.status === "draft" && (state === "none" || state === "rejected"),
    canDecide: quote.status === "draft" && state === "pending" && decider,
  };
}

function ApprovalPanel({ quote, user, busy, run }) {
  const a = approvalState(quote, user);
  if (!quote.needs_approval) return null;
  const ask = async () => {
    const note = await confirmDialog({ title: t("quote.approval_submit"), message: t("quote.approval_submit_hint"),
      input: { label: t("quote.approval_note") }, confirmLabel: t("quote.approval_submit") });
    if (note === null) return;
    run(() => api.post(`/quotes/${quote.id}/submit`, { note: note || null }), () => toast(t("quote.approval_submitted")));
  };
  const decide = async (action) => {
    const comment = await confirmDialog({ title: t(`quote.approval_${action}`), message: `${quote.number} · ${money(quote.gross)}`,
      input: { label: t("quote.approval_comment"), required: action === "reject" }, confirmLabel: t(`quote.approval_${action}`) });
    if (comment === null) return;
    run(() => api.post(`/quotes/${quote.id}/${action}`, { comment: comment || null }),
      () => toast(t(action === "approve" ? "quote.approval_approved" : "quote.approval_rejected")));
  };
  const tone = a.state === "approved" ? "ok" : a.state === "rejected" ? "error" : "warn";
  return html`<div class=${`notice approval ${tone}`} data-testid="quote-approval" data-state=${a.state} role="status">
    <p><strong>${t(`quote.approval_state.${a.state}`)}</strong> ${a.state === "none" ? t("quote.approval_needed") : ""}</p>
    ${quote.approval_note && html`<p>${t("quote.approval_note")}：${quote.approval_note}</p>`}
    ${quote.approval_by && html`<p><${UserName} id=${quote.approval_by} /> · ${dateTime(quote.approval_at)}${quote.approval_comment ? `：${quote.approval_comment}` : ""}</p>`}
    <div class="actions">
      ${a.canSubmit && html`<button type="button" class="primary" disabled=${busy} onClick=${ask}>${t(a.state === "rejected" ? "quote.approval_resubmit" : "quote.approval_submit")}</button>`}
      ${a.canDecide && html`<button type="button" class="primary" disabled=${busy} onClick=${() => decide("approve")}>${t("quote.approval_approve")}</button>
        <button type="button" class="danger" disabled=${busy} onClick=${() => decide("reject")}>${t("quote.approval_reject")}</button>`}
    </div>
  </div>`;
}

export default function QuotePage({ params, user }) {
  const [quote, error, reload] = useApi(`/quotes/${params.id}`);
  const [busy, setBusy] = useState(false);
  if (!quote) return html`<${Pending} data=${quote} error=${error} />`;
  const run = async (work, done) => {
    setBusy(true);
    try {
      const answer = await work();
      if (done) done(answer);
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  const setStatus = (status) => run(() => api.post(`/quotes/${quote.id}/status`, { status }),
    () => toast(t("quote.status_changed", { status: label("quote_status", status) })));
  const copy = () => run(() => api.post(`/quotes/${quote.id}/copy`, {}, { key: newKey() }), (q) => {
    toast(t("quote.copied"));
    location.hash = `#/quotes/${q.id}/edit`;
  });
  const convert = async () => {
    if (!(await confirmDialog({ message: t("quote.convert_confirm"), confirmLabel: t("quote.convert") }))) return;
    run(() => api.post(`/quotes/${quote.id}/convert`, {}, { key: newKey() }), (order) => {
      toast(t("quote.converted"));
      location.hash = `#/orders/${order.id}`;
    });
  };
  const email = async () => {
    const text = await confirmDialog({ title: t("quote.email"), input: { label: t("quote.email_to"), required: true },
      confirmLabel: t("quote.email") });
    if (!text) return;
    const to = text.split(/[\s,;]+/).filter(Boolean);
    if (to.length === 0 || !to.every((x) => EMAIL.test(x))) {
      toast(t("quote.email_bad"), "error");
      return;
    }
    run(() => api.post(`/quotes/${quote.id}/send`, { to }), () => toast(t("quote.email_sent")));
  };
  const pdf = `/quotes/${quote.id}/pdf`;
  const s = quote.status;
  const convertible = (s === "sent" || s === "accepted") && !quote.order_id;
  const held = approvalState(quote, user).held;
  const actions = html`
    <${NewTaskButton} user=${user} customerId=${quote.customer_id} related=${{ type: "quote", id: quote.id }} />
    ${s === "draft" && html`<a class="button" href=${`#/quotes/${quote.id}/edit`}>${t("action.edit")}</a>`}
    ${s === "draft" && !held && html`<button type="button" disabled=${busy} onClick=${() => setStatus("sent")}>${t("quote.send")}</button>`}
    ${s === "sent" && html`<button type="button" disabled=${busy} onClick=${() => setStatus("accepted")}>${t("quote.accept")}</button>`}
    ${s === "sent" && html`<button type="button" disabled=${busy} onClick=${() => setStatus("rejected")}>${t("quote.reject")}</button>`}
    ${convertible && html`<button type="button" class="primary" data-testid="quote-convert" disabled=${busy} onClick=${convert}>${t("quote.convert")}</button>`}
    ${quote.order_id && html`<a class="button primary" href=${`#/orders/${quote.order_id}`}>${t("quote.order")}</a>`}
    <button type="button" onClick=${() => openFile(pdf).catch((e) => toast(errorText(e), "error"))}>${t("quote.pdf_preview")}</button>
    <button type="button" onClick=${() => download(pdf, {}, `${quote.number}.pdf`).catch((e) => toast(errorText(e), "error"))}>${t("quote.pdf_download")}</button>
    ${["draft", "sent", "accepted"].includes(s) && !held && html`<button type="button" disabled=${busy} onClick=${email}>${t("quote.email")}</button>`}
    <button type="button" disabled=${busy} onClick=${copy}>${t("quote.copy")}</button>`;
  return html`<section class="record">
    <${PageHeader} title=${`${t("quote.one")} ${quote.number}`} back="#/quotes"
      status=${html`<span data-testid="quote-status" data-status=${s}><${Badge} group="quote_status" code=${quote.order_id ? "converted" : s} /></span>`}
      subtitle=${html`<${CustomerLink} id=${quote.customer_id} /> · ${t("quote.valid_until")} ${date(quote.valid_until)}`}
      actions=${actions} />
    <${ApprovalPanel} quote=${quote} user=${user} busy=${busy} run=${run} />
    <${Details} items=${[
      [t("quote.customer"), html`<${CustomerLink} id=${quote.customer_id} />`],
      [t("quote.opportunity"), quote.opportunity_id && html`<a href=${`#/opportunities/${quote.opportunity_id}`}><${RecordName} kind="opportunities" id=${quote.opportunity_id} /></a>`],
      [t("quote.valid_until"), date(quote.valid_until)],
      [t("quote.owner"), html`<${UserName} id=${quote.owner_id} />`],
      [t("quote.created_at"), dateTime(quote.created_at)],
      [t("quote.sent_at"), quote.sent_at && dateTime(quote.sent_at)],
      quote.copied_from && [t("quote.copied_from"), html`<a href=${`#/quotes/${quote.copied_from}`}><${RecordName} kind="quotes" id=${quote.copied_from} field="number" /></a>`],
      quote.order_id && [t("quote.order"), html`<a href=${`#/orders/${quote.order_id}`}><${RecordName} kind="orders" id=${quote.order_id} field="number" /></a>`],
      quote.terms && [t("quote.terms"), html`<span class="pre">${quote.terms}</span>`],
    ]} />
    <h2>${t("quote.lines")}</h2>
    <${LinesTable} lines=${quote.lines} />
    <${Warnings} warnings=${quote.warnings} />
    <${Totals} net=${quote.net} tax=${quote.tax} gross=${quote.gross} />
    ${s === "sent" && html`<p class="muted">${t("quote.not_editable")}</p>`}
    <h2>${t("record.documents")}</h2>
    <${RecordDocuments} type="quote" id=${quote.id} user=${user} />
  </section>`;
}
