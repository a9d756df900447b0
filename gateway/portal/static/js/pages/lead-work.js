// Working a lead before it is a customer: assigning it to another rep (managers and admins;
// the new owner is notified) and the calls, visits and notes logged on it (carried over to
// the customer when the lead is converted).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, label, t } from "../i18n.js";
import { Badge, Empty, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { UserName, userName } from "../names.js";
import { pickUser } from "./ownership.js";
import { ActivityDialog, KINDS } from "./activity-dialog.js";

const ASSIGNERS = ["manager", "admin"];

export function AssignLeadButton({ lead, user, onDone }) {
  if (!ASSIGNERS.includes(user.role) || lead.status === "converted") return null;
  const assign = async () => {
    const owner = await pickUser({ title: t("lead.assign_title", { name: lead.name }), label: t("lead.new_owner"),
      exclude: [lead.owner_id], confirmLabel: t("lead.assign_confirm") });
    if (!owner) return;
    try {
      await api.post(`/leads/${lead.id}/assign`, { owner_id: owner });
      toast(t("lead.assigned", { owner: userName(owner) }));
      onDone();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return html`<button type="button" data-action="assign-lead" onClick=${assign}>${t("lead.assign")}</button>`;
}

export function LeadActivities({ lead }) {
  const [per, setPer] = useState(20);
  const [list, error, reload] = useApi("/activities", { lead_id: lead.id, per_page: per });
  const [kind, setKind] = useState(null);
  const open = lead.status !== "converted";
  return html`<section class="panel lead-activities" aria-labelledby="lead-activities-title">
    <h2 id="lead-activities-title">${t("lead.activities")}</h2>
    ${open ? html`<div class="kind-buttons" role="group" aria-label=${t("activity.log")}>
      <span class="muted">${t("activity.log")}:</span>
      ${KINDS.map((k) => html`<button type="button" data-kind=${k} onClick=${() => setKind(k)}>${label("activity_kind", k)}</button>`)}
    </div>` : html`<p class="muted">${t("lead.activities_moved")}</p>`}
    ${kind && html`<${ActivityDialog} kind=${kind} lead=${lead} onClose=${() => setKind(null)}
      onSaved=${() => { setKind(null); reload(); }} />`}
    ${!list ? html`<${Pending} data=${list} error=${error} />` : list.items.length === 0
      ? html`<${Empty} text=${t("lead.no_activities")} />`
      : html`<ul class="activity-list">${list.items.map((a) => html`<${LeadActivityCard} key=${a.id} activity=${a} />`)}</ul>
        ${list.total > list.items.length && html`<button type="button" onClick=${() => setPer(Math.min(200, per + 20))}>${t("action.load_more")}</button>`}`}
  </section>`;
}

/** A lead's activity (managers comment on it on the customer page, once converted). */
function LeadActivityCard({ activity }) {
  return html`<li class="card activity">
    <div class="activity-head">
      <${Badge} group="activity_kind" code=${activity.kind} />
      <time datetime=${activity.occurred_at}>${dateTime(activity.occurred_at)}</time>
      <span class="muted"><${UserName} id=${activity.author_id} /></span>
    </div>
    <div class="text">${activity.summary}</div>
  </li>`;
}
