// The customer page's tasks tab: the customer's open tasks (overdue first), then the closed
// ones; a new follow-up for this customer; complete (logging the activity), edit, cancel.
import { html, useState } from "../lib.js";
import { t } from "../i18n.js";
import { Empty, Pending, useApi } from "../ui/page.js";
import { useStylesheet } from "../ui/styles.js";
import { UserName } from "../names.js";
import { CUSTOMER_TABS } from "./customer-tabs.js";
import { byUrgency, Due, TaskActions, TaskDialog, TaskStatus } from "./task-parts.js";

function TasksTab({ customer, user, changed, bump }) {
  useStylesheet("/portal/calendar.css");
  const [per, setPer] = useState(50);
  const [adding, setAdding] = useState(false);
  const [list, error, reload] = useApi("/tasks", { customer_id: customer.id, per_page: per }, [bump]);
  const saved = () => {
    reload();
    changed();
  };
  const add = customer.status !== "deleted" && html`<button type="button" class="primary" data-testid="customer-task-new"
    onClick=${() => setAdding(true)}>${t("tasks.new")}</button>`;
  const open = list ? byUrgency(list.items.filter((x) => x.status === "open")) : [];
  const closed = list ? list.items.filter((x) => x.status !== "open") : [];
  const row = (task) => html`<li class="card task-card" key=${task.id} data-testid="customer-task">
    <div class="task-head"><strong>${task.title}</strong> <${TaskStatus} task=${task} /></div>
    <div class="muted"><${Due} task=${task} /> · <${UserName} id=${task.assignee_id} /></div>
    <div class="card-actions"><${TaskActions} task=${task} user=${user} onChanged=${saved} /></div>
  </li>`;
  return html`<div>
    <div class="tab-actions">${add}</div>
    ${adding && html`<${TaskDialog} customerId=${customer.id} user=${user} onClose=${() => setAdding(false)} onSaved=${saved} />`}
    ${!list ? html`<${Pending} data=${list} error=${error} />` : list.items.length === 0
      ? html`<${Empty} text=${t("tasks.empty")} hint=${t("tasks.tab_empty_hint")} />`
      : html`<ul class="cards task-list">${open.map(row)}${closed.map(row)}</ul>
        ${list.total > list.items.length && html`<button type="button" onClick=${() => setPer(Math.min(200, per + 50))}>${t("action.load_more")}</button>`}`}
  </div>`;
}

CUSTOMER_TABS.push({ key: "tasks", labelKey: "customer.tab.tasks", render: (ctx) => html`<${TasksTab} ...${ctx} />` });
