// Bulk change of customers (POST /customers/bulk): the selected rows or every customer the
// list's filters match get one change (owner, category, industry, status, a share); then
// the job's progress (GET /jobs/{id}) and an undo of the whole change (POST /jobs/{id}/undo).
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, label, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/bulk.js";
import { useUsers } from "../names.js";
import { confirmDialog } from "../ui/feedback.js";

mergeCatalogues(cat);

const POLL_MS = 700;
const SELLER_ROLES = ["sales", "manager", "admin"];
const FINISHED = ["done", "failed", "undone"];

/** The request body for the form's values (only what is filled in). */
export function bulkBody(target, form) {
  const set = {};
  if (form.owner_id) set.owner_id = form.owner_id;
  if (form.category.trim()) set.category = form.category.trim();
  if (form.industry.trim()) set.industry = form.industry.trim();
  if (form.status) set.status = form.status;
  if (form.status === "lost") set.lost_reason = form.lost_reason.trim();
  const body = { ...target, set };
  if (form.share_with) body.share_with = form.share_with;
  return body;
}

function UserSelect({ id, value, change }) {
  const users = useUsers().filter((u) => u.active !== false && (!u.role || SELLER_ROLES.includes(u.role)));
  return html`<select id=${id} value=${value} onChange=${(e) => change(e.target.value)}>
    <option value="">${t("bulk.no_change")}</option>
    ${users.map((u) => html`<option value=${u.id}>${u.full_name || u.username}${u.role ? ` · ${t(`role.${u.role}`)}` : ""}</option>`)}
  </select>`;
}

function Field({ id, text, required, children }) {
  return html`<div class="field"><label for=${id}>${text}${required && html` <em class="req">*</em>`}</label>${children}</div>`;
}

function JobProgress({ job }) {
  const pct = job.total ? Math.round((100 * job.processed) / job.total) : 100;
  const problems = job.errors || [];
  return html`<div class="progress-block" data-job-status=${job.status}>
    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}
      aria-label=${t("bulk.progress", { processed: job.processed, total: job.total })}>
      <div class="progress-bar" style=${{ width: `${pct}%` }}></div>
    </div>
    <p data-progress>${t("bulk.progress", { processed: number(job.processed), total: number(job.total) })}</p>
    ${job.status === "failed" && html`<p class="form-error">${t("bulk.failed", { message: job.message || "" })}</p>`}
    ${job.status !== "failed" && FINISHED.includes(job.status) && html`<p data-summary>${job.kind === "undo"
      ? t("bulk.undone", { changed: number(job.changed) })
      : t("bulk.done", { changed: number(job.changed), skipped: number(Math.max(0, job.processed - job.changed - (job.error_count || 0))) })}</p>`}
    ${problems.length > 0 && html`<details><summary>${t("bulk.problems", { count: number(job.error_count) })}</summary>
      <ul class="muted">${problems.slice(0, 20).map((e) => html`<li>${e.id}: ${e.message}</li>`)}</ul></details>`}
  </div>`;
}

function useJob(jobId) {
  const [job, setJob] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!jobId) return undefined;
    let live = true;
    let timer = null;
    const poll = async () => {
      try {
        const current = await api.get(`/jobs/${jobId}`);
        if (!live) return;
        setJob(current);
        if (!FINISHED.includes(current.status)) timer = setTimeout(poll, POLL_MS);
      } catch (err) {
        if (live) setError(err);
      }
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [jobId]);
  return [job, error];
}

/**
 * target: {ids: [...]} or {filter: {...the list's filters}}; onClose(changed): changed is
 * true when something ran (the list reloads).
 */
export function BulkDialog({ target, onClose }) {
  const [form, setForm] = useState({ owner_id: "", category: "", industry: "", status: "", lost_reason: "", share_with: "" });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState(null);
  const [undoId, setUndoId] = useState(null);
  const [job, jobError] = useJob(jobId);
  const [undo, undoError] = useJob(undoId);
  const field = (name) => (value) => setForm({ ...form, [name]: value });
  const title = target.ids ? t("bulk.title_selected", { count: target.ids.length }) : t("bulk.title_all");
  const submit = async (event) => {
    event.preventDefault();
    const body = bulkBody(target, form);
    if (!Object.keys(body.set).length && !body.share_with) {
      setError(t("bulk.nothing"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setJobId((await api.post("/customers/bulk", body)).job_id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const runUndo = async () => {
    if (!(await confirmDialog({ message: t("bulk.undo_confirm", { count: number(job.changed) }) }))) return;
    try {
      setUndoId((await api.post(`/jobs/${job.id}/undo`)).job_id);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const close = () => onClose(Boolean(jobId));
  const onKey = (event) => {
    if (event.key === "Escape") close();
  };
  const canUndo = job && job.status === "done" && job.changed > 0 && !undoId;
  return html`<div class="modal-backdrop" onKeyDown=${onKey}>
    <form class="modal wide bulk-dialog" role="dialog" aria-modal="true" aria-labelledby="bulk-title" onSubmit=${submit}>
      <h2 id="bulk-title">${title}</h2>
      ${!jobId && html`
        <p class="muted">${t("bulk.intro")}</p>
        <${Field} id="bulk-owner" text=${t("bulk.owner")}><${UserSelect} id="bulk-owner" value=${form.owner_id} change=${field("owner_id")} /><//>
        <${Field} id="bulk-category" text=${t("bulk.category")}>
          <input id="bulk-category" type="text" maxlength="50" value=${form.category} onInput=${(e) => field("category")(e.target.value)} /><//>
        <${Field} id="bulk-industry" text=${t("bulk.industry")}>
          <input id="bulk-industry" type="text" maxlength="100" value=${form.industry} onInput=${(e) => field("industry")(e.target.value)} /><//>
        <${Field} id="bulk-status" text=${t("bulk.status")}>
          <select id="bulk-status" value=${form.status} onChange=${(e) => field("status")(e.target.value)}>
            <option value="">${t("bulk.no_change")}</option>
            ${["active", "lost"].map((s) => html`<option value=${s}>${label("customer_status", s)}</option>`)}
          </select><//>
        ${form.status === "lost" && html`<${Field} id="bulk-lost-reason" text=${t("bulk.lost_reason")} required>
          <textarea id="bulk-lost-reason" rows="2" required value=${form.lost_reason} onInput=${(e) => field("lost_reason")(e.target.value)}></textarea><//>`}
        <${Field} id="bulk-share" text=${t("bulk.share_with")}><${UserSelect} id="bulk-share" value=${form.share_with} change=${field("share_with")} /><//>`}
      ${job && html`<${JobProgress} job=${job} />`}
      ${job && !FINISHED.includes(job.status) && html`<p class="muted">${t("bulk.background")}</p>`}
      ${undoId && !undo && html`<p>${t("bulk.undoing")}</p>`}
      ${undo && html`<${JobProgress} job=${undo} />`}
      ${(error || jobError || undoError) && html`<div class="form-error" role="alert">${error || errorText(jobError || undoError)}</div>`}
      <div class="modal-actions">
        <button type="button" onClick=${close}>${t(jobId ? "action.close" : "action.cancel")}</button>
        ${!jobId && html`<button type="submit" class="primary" disabled=${busy}>${busy ? t("bulk.running") : t("bulk.start")}</button>`}
        ${canUndo && html`<button type="button" class="danger" data-bulk-undo onClick=${runUndo}>${t("bulk.undo")}</button>`}
      </div>
    </form>
  </div>`;
}
