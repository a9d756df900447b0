// The customer page's header actions: log an activity (kind buttons), mark lost with a
// reason / reactivate, transfer, share, delete (soft) / restore. Each one says what
// happened and reloads the page (ctx.changed); the API decides who may (403 in words).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, label, mergeCatalogues, t } from "../i18n.js";
import mergeCat from "../i18n/merges.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { userName } from "../names.js";
import { CUSTOMER_ACTIONS } from "./customer-tabs.js";
import { ActivityDialog, KINDS } from "./activity-dialog.js";
import { pickUser, shareWith, transferTo } from "./ownership.js";

mergeCatalogues(mergeCat);

async function attempt(call, done) {
  try {
    await call();
    toast(done);
    return true;
  } catch (err) {
    toast(errorText(err), "error");
    return false;
  }
}

/** "Log a call / visit / meeting / e-mail / note": one click on the kind opens the form. */
export function LogActivity({ customer, changed }) {
  const [kind, setKind] = useState(null);
  if (customer.status === "deleted") return null;
  return html`<details class="quick-add log-activity">
      <summary class="button primary">${t("activity.log")}</summary>
      <div class="menu">${KINDS.map((k) => html`<button type="button" class="link" data-kind=${k}
        onClick=${(e) => { e.target.closest("details").removeAttribute("open"); setKind(k); }}>${label("activity_kind", k)}</button>`)}</div>
    </details>
    ${kind && html`<${ActivityDialog} kind=${kind} customer=${customer} onClose=${() => setKind(null)}
      onSaved=${() => { setKind(null); changed(); }} />`}`;
}

function Manage({ customer, user, changed }) {
  if (!["sales", "manager", "admin"].includes(user.role)) return null;
  const id = customer.id;
  if (customer.merged_into) { // a merged duplicate: its records are the survivor's (undo the merge there)
    return html`<span class="merged-into">${t("merge.merged_into")}
      <a class="button" href=${`#/customers/${customer.merged_into}`}>${t("merge.open_survivor")}</a></span>`;
  }
  if (customer.status === "deleted") {
    const restore = () => attempt(() => api.post(`/customers/${id}/restore`), t("customer.restored")).then((ok) => ok && changed());
    return html`<button type="button" onClick=${restore}>${t("action.restore")}</button>`;
  }
  const lost = async () => {
    const reason = await confirmDialog({ title: t("customer.mark_lost"), message: t("customer.lost_message", { name: customer.name }),
      input: { label: t("customer.lost_reason"), required: true }, confirmLabel: t("customer.mark_lost"), danger: true });
    if (reason && await attempt(() => api.post(`/customers/${id}/lost`, { reason }), t("customer.marked_lost"))) changed();
  };
  const reactivate = async () => {
    if (await attempt(() => api.post(`/customers/${id}/reactivate`), t("customer.reactivated"))) changed();
  };
  const transfer = async () => {
    const owner = await pickUser({ title: t("customer.transfer_one", { name: customer.name }), label: t("customer.new_owner"),
      exclude: [customer.owner_id], confirmLabel: t("customer.transfer") });
    if (owner && await attempt(() => transferTo(id, owner), t("customer.transferred", { owner: userName(owner) }))) changed();
  };
  const share = async () => {
    const to = await pickUser({ title: t("customer.share_one", { name: customer.name }), label: t("customer.share_with"),
      exclude: [customer.owner_id, ...(customer.shared_with || [])], confirmLabel: t("customer.share") });
    if (to && await attempt(() => shareWith(id, to), t("customer.shared", { user: userName(to) }))) changed();
  };
  const remove = async () => {
    if (!(await confirmDialog({ message: t("customer.delete_confirm", { name: customer.name }), danger: true, confirmLabel: t("action.delete") }))) return;
    if (await attempt(() => api.del(`/customers/${id}`), t("customer.deleted"))) changed();
  };
  return html`<details class="quick-add more-actions">
    <summary class="button">${t("action.more")}</summary>
    <div class="menu" onClick=${(e) => e.target.tagName === "BUTTON" && e.currentTarget.closest("details").removeAttribute("open")}>
      ${customer.status === "lost"
        ? html`<button type="button" class="link" onClick=${reactivate}>${t("customer.reactivate")}</button>`
        : html`<button type="button" class="link" onClick=${lost}>${t("customer.mark_lost")}</button>`}
      <button type="button" class="link" onClick=${transfer}>${t("customer.transfer")}</button>
      <button type="button" class="link" onClick=${share}>${t("customer.share")}</button>
      <button type="button" class="link danger" onClick=${remove}>${t("action.delete")}</button>
    </div>
  </details>`;
}

CUSTOMER_ACTIONS.push(LogActivity, Manage);
