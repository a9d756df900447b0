// Marketing campaigns (美萍 营销活动): the list (search, status and kind filters) and the form
// (name, kind, dates, budget, actual cost, the products involved, description). Sales
// managers and admins plan them; reps read them.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, label, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/campaigns.js";
import { ListPage } from "../ui/list.js";
import { Form, RecordPicker } from "../ui/form.js";
import { Badge, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { RecordName } from "../names.js";
import { describeProduct } from "./sales-common.js";

mergeCatalogues(cat);

export const CAMPAIGN_EDITORS = ["manager", "admin"];
export const KINDS = ["exhibition", "launch", "promotion", "clearance", "email"];
export const STATUSES = ["planned", "active", "completed", "cancelled"];

const campaignFields = (editing) => [
  { name: "name", label: t("campaign.name"), required: true, maxLength: 200, wide: true },
  { name: "kind", label: t("campaign.kind"), type: "select", required: true,
    options: KINDS.map((k) => [k, label("campaign_kind", k)]) },
  { name: "starts_on", label: t("campaign.starts_on"), type: "date", required: true },
  { name: "ends_on", label: t("campaign.ends_on"), type: "date", required: true },
  { name: "budget", label: t("campaign.budget"), type: "money", required: true, placeholder: "0.00" },
  editing && { name: "actual_cost", label: t("campaign.actual_cost"), type: "money", placeholder: "0.00" },
  { name: "description", label: t("campaign.description"), type: "textarea", maxLength: 5000, wide: true },
].filter(Boolean);

/** The products the campaign is about: chosen one by one from the product list. */
function ProductChooser({ ids, setIds }) {
  return html`<fieldset class="field wide" data-testid="campaign-products">
    <legend>${t("campaign.products")}</legend>
    ${ids.length === 0 && html`<p class="muted">${t("campaign.no_products")}</p>`}
    <ul class="plain">${ids.map((id) => html`<li key=${id}><${RecordName} kind="products" id=${id} />
      <button type="button" class="link" onClick=${() => setIds(ids.filter((x) => x !== id))}>${t("campaign.remove")}</button></li>`)}</ul>
    <label>${t("campaign.add_product")}
      <${RecordPicker} kind="products" value="" label=${describeProduct}
        onInput=${(v) => v && !ids.includes(v) && setIds([...ids, v])} /></label>
  </fieldset>`;
}

function CampaignForm({ id }) {
  const [record, error] = useApi(id ? `/campaigns/${id}` : null);
  const [products, setProducts] = useState(null);
  if (id && !record) return html`<${Pending} data=${record} error=${error} />`;
  const chosen = products ?? (record?.product_ids || []);
  const initial = { name: record?.name || "", kind: record?.kind || "", starts_on: record?.starts_on || "",
    ends_on: record?.ends_on || "", budget: record?.budget || "", actual_cost: record?.actual_cost || "",
    description: record?.description || "" };
  const submit = (body, key) => {
    if (products !== null) body.product_ids = products;
    return id ? api.patch(`/campaigns/${id}`, body) : api.post("/campaigns", body, { key });
  };
  const done = (saved) => {
    toast(t(id ? "campaign.saved" : "campaign.created"));
    location.hash = `#/campaigns/${saved.id}`;
  };
  const back = id ? `#/campaigns/${id}` : "#/campaigns";
  return html`<section>
    <${PageHeader} title=${id ? t("campaign.edit") : t("campaigns.new")} back=${back} />
    <${Form} fields=${campaignFields(Boolean(id))} initial=${initial} editing=${Boolean(id)} submit=${submit} onDone=${done}
      onCancel=${() => { location.hash = back; }}>
      <${ProductChooser} ids=${chosen} setIds=${setProducts} />
    </${Form}>
  </section>`;
}

export default function Campaigns({ params, query, user, path }) {
  if (path === "/campaigns/new") return html`<${CampaignForm} />`;
  if (params.id) return html`<${CampaignForm} id=${params.id} />`;
  const editor = CAMPAIGN_EDITORS.includes(user.role);
  const create = editor && html`<a class="button primary" href="#/campaigns/new">${t("campaigns.new")}</a>`;
  return html`<${ListPage} listKey="campaigns" title=${t("campaigns.title")} path="/campaigns" query=${query}
    searchParam="q" searchPlaceholder=${t("campaigns.search")}
    filters=${[
      { name: "status", label: t("campaign.status"), type: "select", options: STATUSES.map((s) => [s, label("campaign_status", s)]) },
      { name: "kind", label: t("campaign.kind"), type: "select", options: KINDS.map((k) => [k, label("campaign_kind", k)]) },
    ]}
    columns=${[
      { key: "name", label: t("campaign.name"), main: true },
      { key: "kind", label: t("campaign.kind"), render: (r) => label("campaign_kind", r.kind) },
      { key: "status", label: t("campaign.status"), render: (r) => html`<${Badge} group="campaign_status" code=${r.status} />` },
      { key: "dates", label: t("campaign.dates"), render: (r) => `${date(r.starts_on)} – ${date(r.ends_on)}` },
      { key: "budget", label: t("campaign.budget"), num: true, render: (r) => money(r.budget) },
      { key: "actual_cost", label: t("campaign.actual_cost"), num: true, render: (r) => (r.actual_cost ? money(r.actual_cost) : "—") },
      { key: "members", label: t("campaign.members"), num: true },
    ]}
    rowHref=${(r) => `#/campaigns/${r.id}`}
    actions=${create} emptyHint=${t("campaigns.empty_hint")} emptyAction=${create} />`;
}
