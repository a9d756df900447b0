// Create or edit an opportunity: customer, name, amount, stage (probability from the stage
// unless given), expected close date, next step, competitors (the recorded ones ticked, and
// free-text notes), the competitor a lost one went to, lost reason.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { mergeCatalogues, t } from "../i18n.js";
import competitorsCat from "../i18n/competitors.js";
import { Form } from "../ui/form.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { SELLER_ROLES, describeCustomer, stageOptions } from "./sales-common.js";
import { sourceBudgetFields } from "./opportunity-stages.js";

mergeCatalogues(competitorsCat);

/** Tick the recorded competitors bidding for this opportunity. */
export function CompetitorChecks({ competitors, chosen, onChange }) {
  const toggle = (id) => onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  return html`<fieldset class="field wide" data-testid="opp-competitor-ids">
    <legend>${t("opp.competitor_ids")}</legend>
    ${competitors.length === 0 && html`<p class="muted">${t("opp.no_competitors")} · <a href="#/competitors">${t("nav.competitors")}</a></p>`}
    ${competitors.map((c) => html`<label class="check" key=${c.id}>
      <input type="checkbox" checked=${chosen.includes(c.id)} onChange=${() => toggle(c.id)} /> ${c.name}</label>`)}
    <small class="help">${t("opp.competitor_ids_help")}</small>
  </fieldset>`;
}

/** The select of "lost to which competitor" (value: a competitor id or ""). */
export function lostToField(competitors) {
  return { name: "lost_to_competitor_id", label: t("opp.lost_to"), type: "select",
    options: competitors.map((c) => [c.id, c.name]) };
}

function fieldsFor(editing, competitors) {
  return [
    { name: "customer_id", label: t("opp.customer"), type: "record", kind: "customers", describe: describeCustomer,
      required: true, readOnly: editing, wide: true },
    { name: "name", label: t("opp.name"), required: true, maxLength: 300, wide: true },
    { name: "amount", label: t("opp.amount"), type: "money", required: true, placeholder: "0.00" },
    { name: "stage", label: t("opp.stage"), type: "select", options: stageOptions(), required: true, noEmpty: true, default: "prospecting" },
    { name: "probability", label: `${t("opp.probability")} (%)`, type: "integer" },
    { name: "expected_close_date", label: t("opp.expected_close"), type: "date" },
    ...sourceBudgetFields(),
    !editing && { name: "owner_id", label: t("opp.owner"), type: "user", roles: SELLER_ROLES },
    { name: "next_step", label: t("opp.next_step"), type: "textarea", maxLength: 500, wide: true },
    { name: "competitors", label: t("opp.competitors"), help: t("opp.competitors_help"), maxLength: 2000, wide: true },
    lostToField(competitors),
    { name: "lost_reason", label: t("opp.lost_reason"), type: "textarea", maxLength: 500, wide: true },
    !editing && { name: "project_id", hidden: true },  // from a project's page (?project_id=)
  ].filter(Boolean);
}

function toBody(body) {
  if (typeof body.competitors === "string") body.competitors = body.competitors.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
  if (body.competitors === null) body.competitors = [];
  return body;
}

export default function OpportunityForm({ params, query }) {
  const editing = Boolean(params.id);
  const [opp, error] = useApi(editing ? `/opportunities/${params.id}` : null);
  const [list, listError] = useApi("/competitors", { per_page: 100 });
  const [chosen, setChosen] = useState(null);
  if (editing && !opp) return html`<${Pending} data=${opp} error=${error} />`;
  if (!list) return html`<${Pending} data=${list} error=${listError} />`;
  const competitorIds = chosen ?? (opp?.competitor_ids || []);
  const fields = fieldsFor(editing, list.items);
  const initial = opp ? {
    customer_id: opp.customer_id, name: opp.name, amount: opp.amount, stage: opp.stage, probability: String(opp.probability ?? ""),
    expected_close_date: opp.expected_close_date || "", next_step: opp.next_step || "", competitors: (opp.competitors || []).join(", "),
    lost_reason: opp.lost_reason || "", lost_to_competitor_id: opp.lost_to_competitor_id || "",
    source: opp.source || "", budget: opp.budget || "",
  } : { customer_id: query.customer_id || "", name: "", amount: "", stage: "prospecting", probability: "", expected_close_date: "",
    owner_id: "", next_step: "", competitors: "", lost_reason: "", lost_to_competitor_id: "", source: "", budget: "",
    project_id: query.project_id || "" };
  const withCompetitors = (body) => {
    if (chosen !== null) body.competitor_ids = chosen;
    return toBody(body);
  };
  const submit = (body, key) => (editing
    ? api.patch(`/opportunities/${opp.id}`, withCompetitors(body))
    : api.post("/opportunities", withCompetitors(body), { key }));
  const done = (saved) => {
    toast(t(editing ? "form.saved" : "form.created"));
    location.hash = `#/opportunities/${saved.id}`;
  };
  const back = editing ? `#/opportunities/${opp.id}` : "#/opportunities";
  return html`<section>
    <${PageHeader} title=${editing ? t("opp.edit") : t("opp.new")} back=${back} />
    ${editing && ["won", "lost"].includes(opp.stage) && html`<p class="notice">${t("opp.closed_note")}</p>`}
    <${Form} fields=${fields} initial=${initial} editing=${editing} submit=${submit} onDone=${done}
      onCancel=${() => { location.hash = back; }}>
      <${CompetitorChecks} competitors=${list.items} chosen=${competitorIds} onChange=${setChosen} />
    </${Form}>
  </section>`;
}
