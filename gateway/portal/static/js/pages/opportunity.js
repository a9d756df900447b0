// An opportunity's page: stage in words (changed right here), amounts, dates, next step,
// competitors, and its quotes (with a button to quote for it).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, errorText, label, mergeCatalogues, money, t } from "../i18n.js";
import competitorsCat from "../i18n/competitors.js";
import { Badge, Details, PageHeader, Pending, Tabs, useApi } from "../ui/page.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { RecordName, UserName } from "../names.js";
import { Timeline } from "../ui/timeline.js";
import { CustomerLink, RecordDocuments, STAGES } from "./sales-common.js";
import { NewTaskButton } from "./task-parts.js";
import { StageHistory, sourceBudgetDetails } from "./opportunity-stages.js";

mergeCatalogues(competitorsCat);

/** Change an opportunity's stage (asks why when it is lost, and to which competitor when
 * competitors are recorded); answers the saved opportunity or null. */
export async function changeStage(opp, stage) {
  const body = { stage };
  if (stage === "lost") {
    const reason = await confirmDialog({ title: label("stage", "lost"), input: { label: t("opp.lost_prompt"), required: false },
      confirmLabel: t("action.confirm") });
    if (reason === null) return null;
    if (reason) body.lost_reason = reason;
    const competitors = (await api.get("/competitors", { per_page: 100 })).items;
    if (competitors.length) {
      const winner = await confirmDialog({ title: label("stage", "lost"),
        input: { label: t("opp.lost_to"), required: false, options: competitors.map((c) => [c.id, c.name]) },
        confirmLabel: t("action.confirm") });
      if (winner === null) return null;
      if (winner) body.lost_to_competitor_id = winner;
    }
  }
  return api.patch(`/opportunities/${opp.id}`, body);
}

function Quotes({ opp }) {
  const [list, error] = useApi("/quotes", { opportunity_id: opp.id, per_page: 50 });
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  return html`<div>
    ${list.items.length === 0 && html`<p class="muted">${t("opp.no_quotes")}</p>`}
    ${list.items.length > 0 && html`<div class="table-wrap"><table class="list">
      <thead><tr><th>${t("quote.number")}</th><th>${t("quote.status")}</th><th class="num">${t("quote.gross")}</th><th>${t("quote.valid_until")}</th></tr></thead>
      <tbody>${list.items.map((q) => html`<tr>
        <td class="main"><a href=${`#/quotes/${q.id}`}>${q.number}</a></td>
        <td data-label=${t("quote.status")}><${Badge} group="quote_status" code=${q.order_id ? "converted" : q.status} /></td>
        <td class="num" data-label=${t("quote.gross")}>${money(q.gross)}</td>
        <td data-label=${t("quote.valid_until")}>${date(q.valid_until)}</td>
      </tr>`)}</tbody>
    </table></div>`}
  </div>`;
}

export default function OpportunityPage({ params, query, user }) {
  const [opp, error, reload] = useApi(`/opportunities/${params.id}`);
  const [busy, setBusy] = useState(false);
  if (!opp) return html`<${Pending} data=${opp} error=${error} />`;
  const closed = ["won", "lost"].includes(opp.stage);
  const move = async (stage) => {
    setBusy(true);
    try {
      if (await changeStage(opp, stage)) toast(t("opp.moved", { stage: label("stage", stage) }));
    } catch (err) {
      toast(t("opp.move_refused", { reason: errorText(err) }), "error");
    } finally {
      setBusy(false);
      reload();
    }
  };
  const actions = html`
    <${NewTaskButton} user=${user} customerId=${opp.customer_id} related=${{ type: "opportunity", id: opp.id }} />
    <label class="inline-select">${t("opp.move_to")}
      <select value=${opp.stage} disabled=${busy || closed} data-testid="opp-stage" onChange=${(e) => move(e.target.value)}>
        ${STAGES.map((s) => html`<option value=${s}>${label("stage", s)}</option>`)}
      </select></label>
    <a class="button" href=${`#/opportunities/${opp.id}/edit`}>${t("action.edit")}</a>
    ${!closed && html`<a class="button primary" href=${`#/quotes/new?customer_id=${opp.customer_id}&opportunity_id=${opp.id}`}>${t("opp.new_quote")}</a>`}`;
  const tabs = [
    { key: "details", label: t("record.details"), render: () => html`<${Details} items=${[
      [t("opp.customer"), html`<${CustomerLink} id=${opp.customer_id} />`],
      [t("opp.amount"), money(opp.amount)],
      ...sourceBudgetDetails(opp),
      [t("opp.probability"), `${opp.probability}%`],
      [t("opp.weighted"), money(opp.weighted_amount)],
      [t("opp.expected_close"), date(opp.expected_close_date)],
      [t("opp.next_step"), opp.next_step],
      [t("opp.competitor_ids"), html`${(opp.competitor_ids || []).map((id, i) => html`${i ? "、" : ""}<${RecordName} kind="competitors" id=${id} />`)}`],
      [t("opp.competitors"), (opp.competitors || []).join("、")],
      opp.stage === "lost" && [t("opp.lost_to"), opp.lost_to_competitor_id && html`<span data-testid="opp-lost-to"><${RecordName} kind="competitors" id=${opp.lost_to_competitor_id} /></span>`],
      opp.stage === "lost" && [t("opp.lost_reason"), opp.lost_reason],
      opp.project_id && [t("opp.project"), html`<a href=${`#/projects/${opp.project_id}`}><${RecordName} kind="projects" id=${opp.project_id} fallback=${t("action.open")} /></a>`],
      [t("opp.owner"), html`<${UserName} id=${opp.owner_id} />`],
      [t("opp.created_at"), dateTime(opp.created_at)],
      [t("opp.updated_at"), dateTime(opp.updated_at)],
    ]} />` },
    { key: "stages", label: t("opp.stage_history"), render: () => html`<${StageHistory} opp=${opp} />` },
    { key: "quotes", label: t("opp.quotes"), render: () => html`<${Quotes} opp=${opp} />` },
    { key: "documents", label: t("record.documents"), render: () => html`<${RecordDocuments} type="opportunity" id=${opp.id} user=${user} />` },
    { key: "timeline", label: t("record.timeline"), render: () => html`<${Timeline} customerId=${opp.customer_id} />` },
  ];
  return html`<section class="record">
    <${PageHeader} title=${opp.name} back="#/opportunities"
      status=${html`<span data-testid="opp-stage-badge" data-stage=${opp.stage}><${Badge} group="stage" code=${opp.stage} /></span>`}
      subtitle=${html`<${CustomerLink} id=${opp.customer_id} /> · ${money(opp.amount)}`}
      actions=${actions} />
    <${Tabs} tabs=${tabs} query=${query} />
  </section>`;
}
