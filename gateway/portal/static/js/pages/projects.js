// Customer projects: search by number, name or customer; filters by status, owner and
// customer; sort by amounts, status and dates.
import { html } from "../lib.js";
import { date, money, t } from "../i18n.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { UserName } from "../names.js";
import { CustomerLink, customerFilter, ownerFilter } from "./sales-common.js";
import { statusOptions } from "./project-parts.js";

export default function Projects({ query, user }) {
  const create = user && user.role !== "finance" ? html`<a class="button primary" href="#/projects/new">${t("project.new")}</a>` : null;
  return html`<${ListPage}
    listKey="projects" title=${t("project.title")} path="/projects" query=${query}
    searchParam="q" searchPlaceholder=${t("project.search")}
    filters=${[
      { name: "status", label: t("project.status"), type: "select", options: statusOptions() },
      ownerFilter(t("project.owner")),
      customerFilter(t("project.customer")),
    ]}
    columns=${[
      { key: "number", label: t("project.number"), sort: "number" },
      { key: "name", label: t("project.name"), main: true, sort: "name" },
      { key: "customer_id", label: t("project.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} />` },
      { key: "estimated_amount", label: t("project.estimated_amount"), num: true, sort: "estimated_amount", render: (r) => money(r.estimated_amount) },
      { key: "budget", label: t("project.budget"), num: true, sort: "budget", render: (r) => money(r.budget) },
      { key: "status", label: t("project.status"), sort: "status", render: (r) => html`<${Badge} group="project_status" code=${r.status} />` },
      { key: "owner_id", label: t("project.owner"), render: (r) => html`<${UserName} id=${r.owner_id} />` },
      { key: "submitted_at", label: t("project.submitted_at"), sort: "submitted_at", default: false, render: (r) => date(r.submitted_at) },
      { key: "created_at", label: t("project.created_at"), sort: "created_at", render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/projects/${r.id}`}
    actions=${create}
    emptyHint=${t("project.empty_hint")} emptyAction=${create} />`;
}
