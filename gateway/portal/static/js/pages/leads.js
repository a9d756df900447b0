// The lead list: search (name, company, phone, e-mail), filters by status and owner, export.
import { html } from "../lib.js";
import { date, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/leads.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { UserName } from "../names.js";
import { ownerFilter } from "./customers.js";

mergeCatalogues(cat);

export const LEAD_STATUSES = ["new", "converted", "disqualified"];

export default function Leads({ query, user }) {
  const create = html`<a class="button primary" href="#/leads/new">${t("leads.new")}</a>`;
  return html`<${ListPage}
    listKey="leads" title=${t("leads.title")} path="/leads" query=${query}
    searchParam="q" searchPlaceholder=${t("leads.search")}
    filters=${[
      { name: "status", label: t("lead.status"), type: "select", options: LEAD_STATUSES.map((s) => [s, label("lead_status", s)]) },
      ...(user.role === "sales" ? [] : [ownerFilter("owner_id", "lead.owner")]),
    ]}
    columns=${[
      { key: "name", label: t("lead.name"), main: true },
      { key: "company", label: t("lead.company") },
      { key: "phone", label: t("lead.phone") },
      { key: "email", label: t("lead.email"), default: false },
      { key: "source", label: t("lead.source") },
      { key: "status", label: t("lead.status"), render: (r) => html`<${Badge} group="lead_status" code=${r.status} />` },
      { key: "owner_id", label: t("lead.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "created_at", label: t("lead.created_at"), render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/leads/${r.id}`}
    actions=${create}
    emptyHint=${t("leads.empty_hint")} emptyAction=${create} />`;
}
