// A rep leaving (admin's user page): "Hand over to…" picks a colleague, starts one job
// (POST /handovers) and shows its progress (GET /jobs/{id}): the customers as they move, then
// the leads and tasks, then the open opportunities (moved by the sales service a moment later).
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/handover.js";
import { userName } from "../names.js";
import { pickUser } from "./ownership.js";

mergeCatalogues(cat);

const POLL_MS = 700;
const OWNERS = ["sales", "manager", "admin"];

/** Poll the job until it is finished and sales has answered (or a while after). */
function useHandoverJob(jobId) {
  const [job, setJob] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!jobId) return undefined;
    let live = true;
    let timer = null;
    let after = 0;
    const poll = async () => {
      try {
        const current = await api.get(`/jobs/${jobId}`);
        if (!live) return;
        setJob(current);
        const waiting = !["done", "failed"].includes(current.status)
          || (current.status === "done" && current.handover && current.handover.opportunities == null && after++ < 40);
        if (waiting) timer = setTimeout(poll, POLL_MS);
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

function Progress({ job, name }) {
  const pct = job.total ? Math.round((100 * job.processed) / job.total) : 100;
  const h = job.handover || {};
  const done = job.status === "done";
  return html`<div class="progress-block" data-job-status=${job.status}>
    ${!done && job.status !== "failed" && html`<p>${t("handover.running", { name })}</p>`}
    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}
      aria-label=${t("handover.progress", { processed: job.processed, total: job.total })}>
      <div class="progress-bar" style=${{ width: `${pct}%` }}></div>
    </div>
    <p data-progress>${t("handover.progress", { processed: number(job.processed), total: number(job.total) })}</p>
    ${job.status === "failed" && html`<p class="form-error">${t("handover.failed", { message: job.message || "" })}</p>`}
    ${done && html`<p data-summary>${t("handover.done", { customers: number(job.changed), leads: number(h.leads || 0),
      tasks: number(h.tasks || 0), to: userName(h.to_user_id) })}</p>
      <p data-opportunities>${h.opportunities == null ? t("handover.opportunities_pending")
        : t("handover.opportunities", { count: number(h.opportunities) })}</p>`}
  </div>`;
}

function HandoverDialog({ user, to, onClose }) {
  const [jobId, setJobId] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [job, jobError] = useHandoverJob(jobId);
  const name = user.full_name || user.username;
  const start = async () => {
    setBusy(true);
    try {
      setJobId((await api.post("/handovers", { from_user_id: user.id, to_user_id: to })).job_id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="modal-backdrop" onKeyDown=${(e) => e.key === "Escape" && onClose()}>
    <div class="modal wide handover" role="dialog" aria-modal="true" aria-labelledby="handover-title">
      <h2 id="handover-title">${t("handover.title", { name })} ${userName(to)}</h2>
      ${!jobId && html`<p>${t("handover.intro", { name })}</p>`}
      ${(error || jobError) && html`<p class="form-error" role="alert">${errorText(error || jobError)}</p>`}
      ${job && html`<${Progress} job=${job} name=${name} />`}
      ${jobId && job && job.status !== "done" && html`<p class="muted">${t("handover.background")}</p>`}
      <div class="form-actions">
        ${!jobId && html`<button type="button" class="primary" disabled=${busy} onClick=${start}>${t("handover.start")}</button>`}
        <button type="button" onClick=${onClose}>${jobId ? t("handover.close") : t("action.cancel")}</button>
      </div>
    </div>
  </div>`;
}

/** The admin's button on a user's row: only for people who may own customers. */
export function HandoverButton({ user }) {
  const [to, setTo] = useState(null);
  if (!OWNERS.includes(user.role)) return null;
  const choose = async () => {
    const picked = await pickUser({ title: t("handover.title", { name: user.full_name || user.username }),
      label: t("handover.to"), exclude: [user.id], confirmLabel: t("handover.next") });
    if (picked) setTo(picked);
  };
  return html`<button type="button" class="link" data-action="handover" onClick=${choose}>${t("handover.action")}</button>
    ${to && html`<${HandoverDialog} user=${user} to=${to} onClose=${() => setTo(null)} />`}`;
}
