// Tasks' building blocks, shared by "my tasks", the customer page's tab and the calendar:
// the form (create / edit, the reminder as "how long before"), the completion dialog (with
// the activity it logs on the customer in the same step) and each task's actions.
import { html, useEffect, useMemo, useRef, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/tasks.js";
import activities from "../i18n/activities.js";
import { Form } from "../ui/form.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { Badge } from "../ui/page.js";
import { useUsers } from "../names.js";
import { teamChoices } from "../team.js";
import { KINDS } from "./activity-dialog.js";

mergeCatalogues(cat);
mergeCatalogues(activities);

export const TASK_STATUSES = ["open", "done", "cancelled"];
export const REPEATS = ["weekly", "monthly"];
export const REMIND_CHOICES = ["none", "0", "15", "60", "1440"]; // minutes before the due time

/** The reminder choice of a task: minutes before its due time, "none", or "keep" (another distance). */
export function remindChoice(task) {
  if (!task || !task.remind_at) return "none";
  const minutes = Math.round((new Date(task.due_at) - new Date(task.remind_at)) / 60000);
  return REMIND_CHOICES.includes(String(minutes)) ? String(minutes) : "keep";
}

/** remind_at (ISO) for a due time and a choice; "keep" keeps the task's current distance. */
export function remindAt(dueIso, choice, task = null) {
  if (!dueIso || choice === "none" || choice === "") return null;
  const due = new Date(dueIso).getTime();
  const before = choice === "keep" && task && task.remind_at
    ? new Date(task.due_at) - new Date(task.remind_at) : Number(choice) * 60000;
  return new Date(due - before).toISOString();
}

/** Overdue open tasks first, then by due time (the API's order is by due time already). */
export function byUrgency(tasks, now = Date.now()) {
  const late = (x) => (x.status === "open" && new Date(x.due_at).getTime() < now ? 0 : 1);
  return [...tasks].sort((a, b) => late(a) - late(b) || new Date(a.due_at) - new Date(b.due_at));
}

function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Tomorrow at 9:00 local time: when a new follow-up is usually due. */
export function defaultDue(now = new Date()) {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return localInput(d);
}

function useAssigneeChoices(user) {
  return teamChoices(useUsers(), user).map((u) => [u.id, `${u.full_name || u.username}${u.id === user.id ? ` (${t("task.me")})` : ""}`]);
}

/** Create (customerId preset or picked) or edit a task. */
export function TaskForm({ task, customerId, user, onDone, onCancel }) {
  const editing = Boolean(task);
  const choices = useAssigneeChoices(user);
  const remindOptions = [...(remindChoice(task) === "keep" ? ["keep"] : []), ...REMIND_CHOICES];
  const fields = [
    { name: "title", label: t("task.title"), required: true, maxLength: 300, wide: true },
    { name: "due_at", label: t("task.due_at"), type: "datetime", required: true },
    { name: "remind", label: t("task.remind"), type: "select", noEmpty: true,
      options: remindOptions.map((c) => [c, t(`task.remind.${c}`)]) },
    ...(!customerId && !editing ? [{ name: "customer_id", label: t("task.customer"), type: "record", kind: "customers", wide: true }] : []),
    ...(user.role === "manager" || user.role === "admin" ? [{ name: "assignee_id", label: t("task.assignee"), type: "select", noEmpty: true, options: choices }] : []),
    ...(!editing ? [{ name: "repeat", label: t("task.repeat"), type: "select", emptyLabel: t("task.repeat.none"),
      options: REPEATS.map((r) => [r, label("task_repeat", r)]) }] : []),
  ];
  const initial = useMemo(() => (editing
    ? { title: task.title, due_at: localInput(new Date(task.due_at)), remind: remindChoice(task), assignee_id: task.assignee_id }
    : { title: "", due_at: defaultDue(), remind: "60", customer_id: customerId || "", assignee_id: user.id, repeat: "" }), []);
  const submit = (body, key, values) => {
    const out = { ...body };
    delete out.remind;
    const dueIso = new Date(values.due_at).toISOString();
    if (!editing || "due_at" in body || "remind" in body) out.remind_at = remindAt(dueIso, values.remind, task);
    if (editing) {
      if (out.remind_at === (task.remind_at && new Date(task.remind_at).toISOString())) delete out.remind_at;
      return api.patch(`/tasks/${task.id}`, out);
    }
    if (customerId) out.customer_id = customerId;
    if (out.assignee_id === user.id) delete out.assignee_id;
    return api.post("/tasks", out, { key });
  };
  const done = (saved) => {
    toast(editing ? t("task.saved") : t("task.created"));
    onDone(saved);
  };
  return html`<${Form} fields=${fields} initial=${initial} submit=${submit} onDone=${done} onCancel=${onCancel}
    editing=${editing} submitLabel=${t("task.save")} />`;
}

function Modal({ title, onClose, children }) {
  const box = useRef(null);
  useEffect(() => {
    const first = box.current && box.current.querySelector("input, textarea, select");
    if (first) first.focus();
  }, []);
  return html`<div class="modal-backdrop" onKeyDown=${(e) => e.key === "Escape" && onClose()}>
    <div class="modal wide" role="dialog" aria-modal="true" aria-labelledby="task-dialog-title" ref=${box}>
      <h2 id="task-dialog-title">${title}</h2>
      ${children}
    </div>
  </div>`;
}

export function TaskDialog({ task, customerId, user, onClose, onSaved }) {
  return html`<${Modal} title=${task ? t("task.edit_title") : t("task.new_title")} onClose=${onClose}>
    <${TaskForm} task=${task} customerId=${customerId} user=${user} onCancel=${onClose}
      onDone=${(saved) => { onSaved(saved); onClose(); }} />
  <//>`;
}

/** Complete a task, logging what happened on its customer in the same step (when it has one). */
export function CompleteDialog({ task, onClose, onSaved }) {
  const withCustomer = Boolean(task.customer_id);
  const [log, setLog] = useState(withCustomer);
  const [kind, setKind] = useState("call");
  const [summary, setSummary] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    if (log && !summary.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const body = { status: "done", ...(log ? { activity: { kind, summary: summary.trim() } } : {}) };
      const saved = await api.patch(`/tasks/${task.id}`, body);
      toast(saved.next_id ? t("task.completed_next") : t("task.completed"));
      onSaved(saved);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Modal} title=${t("task.complete_title", { title: task.title })} onClose=${onClose}>
    <form class="form" onSubmit=${send} novalidate>
      <div class="fields">
        ${withCustomer ? html`<div class="field check wide"><label for="task-log">${t("task.log_activity")}</label>
            <input id="task-log" type="checkbox" checked=${log} onChange=${(e) => setLog(e.target.checked)} /></div>`
          : html`<p class="muted wide">${t("task.no_customer_no_log")}</p>`}
        ${log && html`<div class="field"><label for="task-kind">${t("task.activity_kind")}</label>
            <select id="task-kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
              ${KINDS.map((k) => html`<option value=${k}>${label("activity_kind", k)}</option>`)}
            </select></div>
          <div class="field wide"><label for="task-summary">${t("task.activity_summary")} <em class="req">*</em></label>
            <textarea id="task-summary" rows="3" maxlength="5000" required value=${summary} onInput=${(e) => setSummary(e.target.value)}></textarea></div>`}
      </div>
      ${error && html`<div class="form-error" role="alert">${errorText(error)}</div>`}
      <div class="form-actions">
        <button type="button" onClick=${onClose}>${t("action.cancel")}</button>
        <button type="submit" class="primary" data-testid="task-complete-save" disabled=${busy || (log && !summary.trim())}>${t("task.complete")}</button>
      </div>
    </form>
  <//>`;
}

/** A task's due time, red when it is overdue. */
export function Due({ task }) {
  return html`<span class=${task.overdue ? "overdue" : ""}>${dateTime(task.due_at)}${task.overdue ? html` <${Badge} group="task" code="overdue" tone="bad" />` : ""}</span>`;
}

/** A task's status in words, with its repeat. */
export function TaskStatus({ task }) {
  return html`<span><${Badge} group="task_status" code=${task.status} />${task.repeat ? html` <span class="muted">${label("task_repeat", task.repeat)}</span>` : ""}</span>`;
}

/** Complete / edit / cancel an open task, reopen a closed one. */
export function TaskActions({ task, user, onChanged }) {
  const [dialog, setDialog] = useState(null);
  const move = async (status, doneKey) => {
    try {
      onChanged(await api.patch(`/tasks/${task.id}`, { status }));
      toast(t(doneKey));
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const cancel = async () => {
    if (await confirmDialog({ message: t("task.confirm_cancel", { title: task.title }), confirmLabel: t("task.cancel"), danger: true })) {
      move("cancelled", "task.cancelled");
    }
  };
  return html`<span class="task-actions">
    ${task.status === "open" ? html`
      <button type="button" class="primary" data-testid="task-complete" onClick=${() => setDialog("complete")}>${t("task.complete")}</button>
      <button type="button" class="link" onClick=${() => setDialog("edit")}>${t("task.edit")}</button>
      <button type="button" class="link danger" onClick=${cancel}>${t("task.cancel")}</button>`
    : html`<button type="button" class="link" onClick=${() => move("open", "task.reopened")}>${t("task.reopen")}</button>`}
    ${dialog === "complete" && html`<${CompleteDialog} task=${task} onClose=${() => setDialog(null)} onSaved=${onChanged} />`}
    ${dialog === "edit" && html`<${TaskDialog} task=${task} user=${user} onClose=${() => setDialog(null)} onSaved=${onChanged} />`}
  </span>`;
}
