// "My tasks": the caller's open tasks, overdue first (the API lists by due time), with
// complete (optionally logging the activity), edit, cancel and reopen in place; a manager
// picks someone in their team. ?new=1 opens the new-task form, ?open=<id> a task (the link
// of a reminder notification).
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, label, t } from "../i18n.js";
import { ListPage } from "../ui/list.js";
import { PageHeader } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { useStylesheet } from "../ui/styles.js";
import { setQuery } from "../router.js";
import { UserName } from "../names.js";
import { hasTeam, teamFilter } from "../team.js";
import { Due, TASK_STATUSES, TaskActions, TaskDialog, TaskStatus } from "./task-parts.js";

export function taskColumns(user, changed, { customer = true } = {}) {
  return [
    { key: "title", label: t("task.title"), main: true },
    { key: "due_at", label: t("task.due_at"), render: (r) => html`<${Due} task=${r} />` },
    ...(customer ? [{ key: "customer_id", label: t("task.customer"), render: (r) => (r.customer_id
      ? html`<a href=${`#/customers/${r.customer_id}?tab=tasks`}>${r.customer_name || r.customer_id.slice(0, 8)}</a>` : "—") }] : []),
    { key: "assignee_id", label: t("task.assignee"), render: (r) => html`<${UserName} id=${r.assignee_id} />` },
    { key: "status", label: t("task.status"), render: (r) => html`<${TaskStatus} task=${r} />` },
    { key: "actions", label: t("task.actions"), main: true, render: (r) => html`<${TaskActions} task=${r} user=${user} onChanged=${changed} />` },
  ];
}

function OpenTask({ id, user, onClose, onSaved }) {
  const [task, setTask] = useState(null);
  useEffect(() => {
    api.get(`/tasks/${id}`).then(setTask).catch((err) => {
      toast(errorText(err), "error");
      onClose();
    });
  }, [id]);
  return task && html`<${TaskDialog} task=${task} user=${user} onClose=${onClose} onSaved=${onSaved} />`;
}

export default function Tasks({ query, user }) {
  useStylesheet("/portal/calendar.css");
  const [saved, setSaved] = useState(0);
  const changed = () => setSaved((n) => n + 1);
  const add = html`<button type="button" class="primary" data-testid="task-new" onClick=${() => setQuery({ new: "1" })}>${t("tasks.new")}</button>`;
  const filters = [
    { name: "status", label: t("task.status"), type: "select", options: TASK_STATUSES.map((s) => [s, label("task_status", s)]) },
    ...(hasTeam(user) ? [teamFilter(user, "assignee_id", "task.filter_assignee")] : []),
  ];
  const close = () => setQuery({ new: "", open: "" });
  return html`<section>
    <${PageHeader} title=${t("tasks.title")} actions=${add} />
    ${query.new && html`<${TaskDialog} user=${user} onClose=${close} onSaved=${changed} />`}
    ${query.open && html`<${OpenTask} id=${query.open} user=${user} onClose=${close} onSaved=${changed} />`}
    <${ListPage} headerless listKey="tasks" path="/tasks" query=${{ status: "open", assignee_id: user.id, ...query }}
      refreshKey=${saved} noViews filters=${filters} baseQuery=${{ assignee_id: user.id }}
      columns=${taskColumns(user, changed)}
      emptyText=${t("tasks.empty")} emptyHint=${t("tasks.empty_hint")} emptyAction=${add} />
  </section>`;
}
