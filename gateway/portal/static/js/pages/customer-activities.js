// The customer page's activities tab: calls, visits, meetings, e-mails and notes, newest
// first, each with its managers' comments (managers and admins may add one).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, label, t } from "../i18n.js";
import { Badge, Empty, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { UserName } from "../names.js";
import { CUSTOMER_TABS } from "./customer-tabs.js";
import { ActivityDialog, KINDS } from "./activity-dialog.js";

const COMMENTERS = ["manager", "admin"];

export function Comments({ activity, user, onChange }) {
  const [list, error, reload] = useApi(`/activities/${activity.id}/comments`, { per_page: 100 });
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const send = async (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    try {
      await api.post(`/activities/${activity.id}/comments`, { text: text.trim() });
      setText("");
      reload();
      if (onChange) onChange();
      toast(t("activity.commented"));
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  };
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  const id = `comment-${activity.id}`;
  return html`<div class="comments">
    ${list.items.length === 0 && html`<p class="muted">${t("activity.no_comments")}</p>`}
    <ul>${list.items.map((c) => html`<li><strong><${UserName} id=${c.author_id} /></strong> <time class="muted" datetime=${c.created_at}>${dateTime(c.created_at)}</time>
      <div class="text">${c.text}</div></li>`)}</ul>
    ${COMMENTERS.includes(user.role) && html`<form class="comment-form" onSubmit=${send}>
      <label for=${id}>${t("activity.add_comment")}</label>
      <textarea id=${id} rows="2" maxlength="5000" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
      <button type="submit" class="primary" disabled=${busy || !text.trim()}>${t("activity.comment")}</button>
    </form>`}
  </div>`;
}

export function ActivityCard({ activity, user, showCustomer, onChange }) {
  const [open, setOpen] = useState((activity.comment_count || 0) > 0); // managers' comments shown with the log
  return html`<li class="card activity">
    <div class="activity-head">
      <${Badge} group="activity_kind" code=${activity.kind} />
      <time datetime=${activity.occurred_at}>${dateTime(activity.occurred_at)}</time>
      <span class="muted"><${UserName} id=${activity.author_id} /></span>
      ${showCustomer && html`<a href=${`#/customers/${activity.customer_id}?tab=activities`}>${showCustomer(activity)}</a>`}
    </div>
    <div class="text">${activity.summary}</div>
    <button type="button" class="link" aria-expanded=${open ? "true" : "false"} onClick=${() => setOpen(!open)}>
      ${open ? t("activity.hide_comments") : activity.comment_count ? t("activity.comments_n", { count: activity.comment_count })
        : ["manager", "admin"].includes(user.role) ? t("activity.add_comment") : t("activity.show_comments")}</button>
    ${open && html`<${Comments} activity=${activity} user=${user} onChange=${onChange} />`}
  </li>`;
}

function ActivitiesTab({ customer, user, changed, bump }) {
  const [per, setPer] = useState(20);
  const [list, error, reload] = useApi("/activities", { customer_id: customer.id, per_page: per }, [bump]);
  const [kind, setKind] = useState(null);
  const saved = () => {
    setKind(null);
    reload();
    changed();
  };
  return html`<div>
    ${customer.status !== "deleted" && html`<div class="kind-buttons" role="group" aria-label=${t("activity.log")}>
      <span class="muted">${t("activity.log")}:</span>
      ${KINDS.map((k) => html`<button type="button" data-kind=${k} onClick=${() => setKind(k)}>${label("activity_kind", k)}</button>`)}
    </div>`}
    ${kind && html`<${ActivityDialog} kind=${kind} customer=${customer} onClose=${() => setKind(null)} onSaved=${saved} />`}
    ${!list ? html`<${Pending} data=${list} error=${error} />` : list.items.length === 0
      ? html`<${Empty} text=${t("activity.empty")} hint=${t("activity.empty_hint")} />`
      : html`<ul class="activity-list">${list.items.map((a) => html`<${ActivityCard} key=${a.id} activity=${a} user=${user} />`)}</ul>
        ${list.total > list.items.length && html`<button type="button" onClick=${() => setPer(Math.min(200, per + 20))}>${t("action.load_more")}</button>`}`}
  </div>`;
}

CUSTOMER_TABS.push({ key: "activities", labelKey: "customer.tab.activities", render: (ctx) => html`<${ActivitiesTab} ...${ctx} />` });
