// Every activity the user may see (their own; a manager's team; all for admins), newest
// first, by kind, day range, author and customer; each opens its customer's activities.
import { html } from "../lib.js";
import { dateTime, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/activities.js";
import { ListPage } from "../ui/list.js";
import { Badge } from "../ui/page.js";
import { RecordName, UserName } from "../names.js";
import { ownerFilter } from "./customers.js";
import { KINDS } from "./activity-dialog.js";

mergeCatalogues(cat);

export default function Activities({ query, user }) {
  const create = html`<a class="button primary" href="#/activities/new">${t("activity.log")}</a>`;
  return html`<${ListPage}
    listKey="activities" title=${t("activities.title")} path="/activities" query=${query}
    filters=${[
      { name: "kind", label: t("activity.kind"), type: "select", options: KINDS.map((k) => [k, label("activity_kind", k)]) },
      { name: "from", label: t("activity.from"), type: "date" },
      { name: "to", label: t("activity.to"), type: "date" },
      ...(user.role === "sales" ? [] : [ownerFilter("author_id", "activity.author")]),
    ]}
    columns=${[
      { key: "occurred_at", label: t("activity.occurred_at"), main: true, render: (r) => dateTime(r.occurred_at) },
      { key: "kind", label: t("activity.kind"), render: (r) => html`<${Badge} group="activity_kind" code=${r.kind} />` },
      { key: "customer_id", label: t("activity.customer"), render: (r) => html`<${RecordName} kind="customers" id=${r.customer_id} />` },
      { key: "summary", label: t("activity.summary"), render: (r) => html`<span class="clip">${r.summary}</span>` },
      { key: "author_id", label: t("activity.author"), render: (r) => html`<${UserName} id=${r.author_id} />` },
    ]}
    rowHref=${(r) => `#/customers/${r.customer_id}?tab=activities`}
    actions=${create}
    emptyHint=${t("activity.empty_hint_all")} emptyAction=${create} />`;
}
