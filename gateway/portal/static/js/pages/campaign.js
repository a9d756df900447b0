// A campaign's page: status in words and its moves (start, complete, cancel), details and
// products, members (with adding by selection), the mass email with progress, the return.
import { html } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, label, mergeCatalogues, money, t } from "../i18n.js";
import cat from "../i18n/campaigns.js";
import { Badge, Details, PageHeader, Pending, Tabs, useApi } from "../ui/page.js";
import { ActionButton } from "../ui/actions.js";
import { RecordName, UserName } from "../names.js";
import { CAMPAIGN_EDITORS } from "./campaigns.js";
import { MOVES, Mail, Members, Return } from "./campaign-parts.js";

mergeCatalogues(cat);

const MOVE_LABEL = { active: "campaign.start", completed: "campaign.complete", cancelled: "campaign.cancel" };

export default function CampaignPage({ params, query, user }) {
  const [campaign, error, reload] = useApi(`/campaigns/${params.id}`);
  if (!campaign) return html`<${Pending} data=${campaign} error=${error} />`;
  const editor = CAMPAIGN_EDITORS.includes(user.role);
  const actions = editor && html`
    <a class="button" href=${`#/campaigns/${campaign.id}/edit`}>${t("action.edit")}</a>
    ${MOVES[campaign.status].map((to) => html`<${ActionButton} label=${t(MOVE_LABEL[to])} primary=${to !== "cancelled"}
      danger=${to === "cancelled"} confirm=${to === "cancelled" ? t("campaign.cancel_confirm") : undefined}
      run=${() => api.patch(`/campaigns/${campaign.id}`, { status: to })} done=${t("campaign.moved")} onDone=${reload} />`)}`;
  const tabs = [
    { key: "details", label: t("record.details"), render: () => html`<${Details} items=${[
      [t("campaign.kind"), label("campaign_kind", campaign.kind)],
      [t("campaign.status"), label("campaign_status", campaign.status)],
      [t("campaign.dates"), `${date(campaign.starts_on)} – ${date(campaign.ends_on)}`],
      [t("campaign.budget"), money(campaign.budget)],
      [t("campaign.actual_cost"), campaign.actual_cost ? money(campaign.actual_cost) : ""],
      [t("campaign.products"), campaign.product_ids.length ? html`<ul class="plain" data-testid="campaign-product-list">
        ${campaign.product_ids.map((id) => html`<li key=${id}><a href=${`#/products/${id}`}><${RecordName} kind="products" id=${id} /></a></li>`)}</ul>` : ""],
      [t("campaign.description"), campaign.description],
      [t("campaign.created_by"), html`<${UserName} id=${campaign.created_by} />`],
      [t("record.created_at"), dateTime(campaign.created_at)],
    ]} />` },
    { key: "members", label: t("members.title"), count: campaign.members,
      render: () => html`<${Members} campaign=${campaign} editor=${editor} query=${query} onChange=${reload} />` },
    { key: "mail", label: t("mail.title"), render: () => html`<${Mail} campaign=${campaign} editor=${editor} />` },
    { key: "roi", label: t("roi.title"), render: () => html`<${Return} campaign=${campaign} />` },
  ];
  return html`<section class="record">
    <${PageHeader} title=${campaign.name} back="#/campaigns"
      status=${html`<span data-testid="campaign-status" data-status=${campaign.status}><${Badge} group="campaign_status" code=${campaign.status} /></span>`}
      subtitle=${`${label("campaign_kind", campaign.kind)} · ${date(campaign.starts_on)} – ${date(campaign.ends_on)}`}
      actions=${actions} />
    <${Tabs} tabs=${tabs} query=${query} />
  </section>`;
}
