// The opportunity list: search by name or customer, filters by stage, owner and customer,
// sort by amount, stage, expected close and date; the board by stage is #/pipeline.
import { html } from "../lib.js";
import { date, label, money, t } from "../i18n.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { UserName } from "../names.js";
import { CustomerLink, customerFilter, ownerFilter, stageOptions } from "./sales-common.js";

export function ViewSwitch({ current }) {
  return html`<div class="view-switch" role="group" aria-label=${t("opp.title")}>
    <a class=${`button ${current === "list" ? "active" : ""}`} aria-current=${current === "list" ? "page" : undefined} href="#/opportunities">${t("opp.view_list")}</a>
    <a class=${`button ${current === "kanban" ? "active" : ""}`} aria-current=${current === "kanban" ? "page" : undefined} href="#/pipeline">${t("opp.view_kanban")}</a>
  </div>`;
}

export default function Opportunities({ query }) {
  if (query.view === "kanban") {
    location.replace("#/pipeline");
    return null;
  }
  const create = html`<a class="button primary" href="#/opportunities/new">${t("opp.new")}</a>`;
  return html`<${ListPage}
    listKey="opportunities" title=${t("opp.title")} path="/opportunities" query=${query}
    searchParam="q" searchPlaceholder=${t("opp.search")}
    filters=${[
      { name: "stage", label: t("opp.stage"), type: "select", options: stageOptions() },
      ownerFilter(t("opp.owner")),
      customerFilter(t("opp.customer")),
    ]}
    columns=${[
      { key: "name", label: t("opp.name"), main: true, sort: "name" },
      { key: "customer_id", label: t("opp.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} />` },
      { key: "amount", label: t("opp.amount"), num: true, sort: "amount", render: (r) => money(r.amount) },
      { key: "stage", label: t("opp.stage"), sort: "stage", render: (r) => html`<${Badge} group="stage" code=${r.stage} />` },
      { key: "probability", label: t("opp.probability"), num: true, sort: "probability", render: (r) => `${r.probability}%` },
      { key: "weighted_amount", label: t("opp.weighted"), num: true, render: (r) => money(r.weighted_amount) },
      { key: "expected_close_date", label: t("opp.expected_close"), sort: "expected_close_date", render: (r) => date(r.expected_close_date) },
      { key: "next_step", label: t("opp.next_step"), default: false },
      { key: "owner_id", label: t("opp.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "created_at", label: t("opp.created_at"), sort: "created_at", default: false, render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/opportunities/${r.id}`}
    actions=${html`<${ViewSwitch} current="list" />${create}`}
    emptyHint=${t("opp.empty_hint")} emptyAction=${create} />`;
}
