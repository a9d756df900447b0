// Complaints the user may see: by status, assignee and customer; newest first.
import { html } from "../lib.js";
import { date, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/service.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { RecordName, UserName } from "../names.js";
import { ownerFilter } from "./customers.js";

mergeCatalogues(cat);

export const COMPLAINT_STATUSES = ["open", "in_progress", "resolved"];

export default function Complaints({ query, user }) {
  const create = ["sales", "manager", "admin"].includes(user.role) && html`<a class="button primary" href="#/complaints/new">${t("complaint.new")}</a>`;
  return html`<${ListPage}
    listKey="complaints" title=${t("complaints.title")} path="/complaints" query=${query}
    filters=${[
      { name: "status", label: t("complaint.status"), type: "select", options: COMPLAINT_STATUSES.map((s) => [s, label("complaint_status", s)]) },
      ownerFilter("assignee_id", "complaint.assignee"),
    ]}
    columns=${[
      { key: "subject", label: t("complaint.subject"), main: true },
      { key: "customer_id", label: t("complaint.customer"), render: (r) => html`<${RecordName} kind="customers" id=${r.customer_id} />` },
      { key: "status", label: t("complaint.status"), render: (r) => html`<${Badge} group="complaint_status" code=${r.status} />` },
      { key: "assignee_id", label: t("complaint.assignee"), render: (r) => html`<${UserName} id=${r.assignee_id} />` },
      { key: "created_at", label: t("complaint.created_at"), render: (r) => date(r.created_at) },
    ]}
    rowHref=${(r) => `#/complaints/${r.id}`}
    actions=${create}
    emptyHint=${t("complaints.empty_hint")} />`;
}
