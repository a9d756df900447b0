// The team's visit logs and calls (managers, admins): filter by rep (the caller's team,
// subordinates' subordinates too) and kind, open a log's comments and reply to it (the rep
// is notified).
import { html, useState } from "../lib.js";
import { api, newKey } from "../api.js";
import { dateTime, errorText, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/manage.js";
import { RecordName, UserName } from "../names.js";
import { teamFilter } from "../team.js";
import { ListPage } from "../ui/list.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { useStylesheet } from "../ui/styles.js";

mergeCatalogues(cat);

const KINDS = ["visit", "call", "meeting", "email", "note"];

function Comments({ activity }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const load = async () => {
    try {
      setList((await api.get(`/activities/${activity.id}/comments`, { per_page: 50 })).items);
    } catch (err) {
      setError(err);
    }
  };
  const toggle = () => {
    if (!open && list === null) load();
    setOpen(!open);
  };
  const reply = async () => {
    const text = await confirmDialog({ title: t("team.comment_title"), message: activity.summary,
      confirmLabel: t("team.comment_send"), input: { label: t("team.comment"), required: true } });
    if (text === null) return;
    try {
      await api.post(`/activities/${activity.id}/comments`, { text }, { key: newKey() });
      toast(t("team.comment_sent"));
      setOpen(true);
      load();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return html`<div class="comments">
    <button type="button" class="primary small" onClick=${reply}>${t("team.comment_action")}</button>
    <button type="button" class="link" aria-expanded=${open ? "true" : "false"} onClick=${toggle}>${open ? t("team.hide_comments") : t("team.show_comments")}</button>
    ${open && error && html`<p class="form-error" role="alert">${errorText(error)}</p>`}
    ${open && list && (list.length
      ? html`<ul class="comment-list">${list.map((c) => html`<li key=${c.id}><strong><${UserName} id=${c.author_id} /></strong> <span class="muted">${dateTime(c.created_at)}</span><p>${c.text}</p></li>`)}</ul>`
      : html`<p class="muted">${t("team.no_comments")}</p>`)}
  </div>`;
}

export default function TeamActivities({ query, user }) {
  useStylesheet("/portal/manage.css");
  return html`<${ListPage}
    listKey="team-activities" title=${t("team.activities_title")} path="/activities" query=${query}
    filters=${[
      teamFilter(user, "author_id", "team.author"),
      { name: "kind", label: t("team.kind"), type: "select", options: KINDS.map((k) => [k, label("activity_kind", k)]) },
    ]}
    columns=${[
      { key: "occurred_at", label: t("team.when"), main: true, render: (r) => dateTime(r.occurred_at) },
      { key: "author_id", label: t("team.author"), render: (r) => html`<${UserName} id=${r.author_id} />` },
      { key: "customer_id", label: t("team.customer"), render: (r) => html`<a href=${`#/customers/${r.customer_id}`}><${RecordName} kind="customers" id=${r.customer_id} fallback=${t("approvals.customer_unknown")} /></a>` },
      { key: "kind", label: t("team.kind"), render: (r) => label("activity_kind", r.kind) },
      { key: "summary", label: t("team.summary"), render: (r) => html`<span class="summary-text">${r.summary}</span>` },
      { key: "comments", label: t("team.comments"), render: (r) => html`<${Comments} activity=${r} />` },
    ]}
    emptyHint=${t("team.activities_empty")} />`;
}
