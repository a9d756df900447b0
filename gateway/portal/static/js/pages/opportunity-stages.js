// An opportunity's stage history (GET /opportunities/{id}/stage-history): each stage change
// with who and when, and how long the opportunity stayed in the stage it left; the source and
// budget fields of its form and page (issue 16).
import { html } from "../lib.js";
import { dateTime, label, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/opportunity-history.js";
import { Pending, useApi } from "../ui/page.js";
import { UserName } from "../names.js";

mergeCatalogues(cat);

/** The form's fields for source and budget. */
export const sourceBudgetFields = () => [
  { name: "source", label: t("opp.source"), maxLength: 100, placeholder: t("opp.source_hint") },
  { name: "budget", label: t("opp.budget"), type: "money", placeholder: "0.00" },
];

/** The details page's lines for source and budget. */
export const sourceBudgetDetails = (opp) => [
  [t("opp.source"), opp.source],
  [t("opp.budget"), opp.budget != null ? money(opp.budget) : null],
];

export function StageHistory({ opp }) {
  const [list, error] = useApi(`/opportunities/${opp.id}/stage-history`, null, [opp.updated_at]);
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  if (list.items.length === 0) return html`<p class="muted">${t("opp.history_empty")}</p>`;
  const rows = [...list.items].reverse(); // newest first, as the timeline
  return html`<div class="table-wrap"><table class="list" data-testid="opp-stage-history">
    <thead><tr><th>${t("opp.history_when")}</th><th>${t("opp.history_change")}</th><th>${t("opp.history_who")}</th>
      <th class="num">${t("opp.history_days")}</th></tr></thead>
    <tbody>${rows.map((h) => html`<tr data-to-stage=${h.to_stage}>
      <td class="main"><time datetime=${h.changed_at}>${dateTime(h.changed_at)}</time></td>
      <td data-label=${t("opp.history_change")}>${h.from_stage
        ? html`${label("stage", h.from_stage)} → <strong>${label("stage", h.to_stage)}</strong>`
        : t("opp.history_created", { stage: label("stage", h.to_stage) })}</td>
      <td data-label=${t("opp.history_who")}>${h.changed_by ? html`<${UserName} id=${h.changed_by} />` : t("opp.history_unknown")}</td>
      <td class="num" data-label=${t("opp.history_days")}>${h.days_in_from_stage == null ? "" : t("opp.history_days_n", { days: h.days_in_from_stage })}</td>
    </tr>`)}</tbody>
  </table></div>`;
}
