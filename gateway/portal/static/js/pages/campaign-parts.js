// The campaign page's parts: its members (the ones the caller may see) with adding by
// selection from the customer, contact or lead lists (or every customer matching a search),
// the mass email with its progress, and the return.
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, errorText, label, money, t } from "../i18n.js";
import { ListPage } from "../ui/list.js";
import { Form } from "../ui/form.js";
import { Badge, Details, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { setQuery } from "../router.js";
import { CustomerLink } from "./sales-common.js";

const PICK_SOURCES = {
  customers: { type: "customer", field: "customer_ids", path: "/customers",
    columns: () => [{ key: "name", label: t("members.name"), main: true }, { key: "industry", label: t("members.industry") }] },
  contacts: { type: "contact", field: "contact_ids", path: "/contacts",
    columns: () => [{ key: "name", label: t("members.name"), main: true }, { key: "email", label: t("members.email") },
      { key: "customer_id", label: t("member_type.customer"), render: (r) => html`<${CustomerLink} id=${r.customer_id} />` }] },
  leads: { type: "lead", field: "lead_ids", path: "/leads",
    columns: () => [{ key: "name", label: t("members.name"), main: true }, { key: "company", label: t("members.company") },
      { key: "email", label: t("members.email") }] },
};

function memberLink(m) {
  if (m.member_type === "lead") return `#/leads/${m.member_id}`;
  return `#/customers/${m.customer_id}${m.member_type === "contact" ? "?tab=contacts" : ""}`;
}

function mailState(m) {
  if (m.unsubscribed_at) return html`<span class="badge bad">${t("members.unsubscribed")}</span>`;
  if (m.bounced_at) return html`<span class="badge bad" title=${m.bounce_reason || ""}>${t("members.bounced")}</span>`;
  if (m.reached_at) return html`<span class="badge good">${t("members.reached")}</span>`;
  return html`<span class="muted">${t("members.not_reached")}</span>`;
}

// The picker's state is in the address (?add=1&pick=contacts&q=...), as the list's search is
function AddMembers({ campaign, query, onAdded }) {
  const source = PICK_SOURCES[query.pick] ? query.pick : "customers";
  const pick = PICK_SOURCES[source];
  const add = async (body) => {
    const answer = await api.post(`/campaigns/${campaign.id}/members`, body);
    toast(t("members.added", answer));
    onAdded();
    return false; // told in words above (the list's own "n done" would repeat it)
  };
  return html`<div class="panel" data-testid="add-members">
    <label>${t("members.pick_from")}
      <select value=${source} onChange=${(e) => setQuery({ pick: e.target.value, q: "", page: "" })} data-testid="pick-source">
        ${Object.entries(PICK_SOURCES).map(([k, s]) => html`<option value=${k}>${label("member_type", s.type)}</option>`)}
      </select></label>
    ${source === "customers" && query.q && html`<p><button type="button" data-testid="add-matching"
      onClick=${() => add({ customer_filter: { q: query.q } }).catch((e) => toast(errorText(e), "error"))}>
      ${t("members.add_matching")}</button></p>`}
    <${ListPage} key=${source} listKey=${`campaign-pick-${source}`} headerless noViews path=${pick.path} query=${query}
      searchParam="q" searchPlaceholder=${t("members.search")}
      columns=${pick.columns()} perPageDefault=${20}
      bulkActions=${[{ label: t("members.add_selected"), run: (ids) => add({ [pick.field]: ids }) }]} />
  </div>`;
}

export function Members({ campaign, editor, query, onChange }) {
  const [n, setN] = useState(0);
  const adding = query.add === "1";
  const [page, setPage] = useState(1);
  const [list, error] = useApi(`/campaigns/${campaign.id}/members`, { page, per_page: 50 }, [n, page]);
  const open = !["completed", "cancelled"].includes(campaign.status);
  return html`<div>
    ${editor && open && html`<p><button type="button" class=${adding ? "" : "primary"} data-testid="members-add"
      onClick=${() => setQuery({ add: adding ? "" : "1", pick: "", q: "", page: "" })}>${adding ? t("members.add_close") : t("members.add")}</button></p>`}
    ${adding && html`<${AddMembers} campaign=${campaign} query=${query} onAdded=${() => { setN(n + 1); onChange(); }} />`}
    ${!list && html`<${Pending} data=${list} error=${error} />`}
    ${list && list.items.length === 0 && html`<p class="muted">${t("members.none")}</p>`}
    ${list && list.items.length > 0 && html`<div class="table-wrap"><table class="list" data-testid="campaign-members">
      <thead><tr><th>${t("members.name")}</th><th>${t("members.type")}</th><th>${t("members.email")}</th>
        <th>${t("members.state")}</th><th>${t("members.added_at")}</th></tr></thead>
      <tbody>${list.items.map((m) => html`<tr key=${`${m.member_type}:${m.member_id}`}>
        <td class="main"><a href=${memberLink(m)}>${m.name || "—"}</a></td>
        <td data-label=${t("members.type")}>${label("member_type", m.member_type)}</td>
        <td data-label=${t("members.email")}>${m.email || "—"}</td>
        <td data-label=${t("members.state")}>${mailState(m)}</td>
        <td data-label=${t("members.added_at")}>${date(m.added_at)}</td>
      </tr>`)}</tbody>
    </table></div>
    <p class="muted">${t("members.hidden_note")} ${list.total > 50 && html`
      <button type="button" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>‹</button>
      ${page} / ${Math.ceil(list.total / 50)}
      <button type="button" disabled=${page * 50 >= list.total} onClick=${() => setPage(page + 1)}>›</button>`}</p>`}
  </div>`;
}

/** The status moves the API allows (services/customer/domain/campaigns.py MOVES). */
export const MOVES = { planned: ["active", "cancelled"], active: ["completed", "cancelled"], completed: [], cancelled: [] };

/** A mailing's progress in words. */
export function progressText(job) {
  return t("mail.progress", { processed: job.processed, total: job.total, sent: job.sent ?? 0,
    skipped: job.skipped ?? 0, bounced: job.bounced ?? 0 });
}

/** One mailing's progress, read again every second while it runs. */
function MailingProgress({ jobId, onFinished }) {
  const [job, setJob] = useState(null);
  useEffect(() => {
    let live = true;
    let timer;
    const read = () => api.get(`/jobs/${jobId}`).then((j) => {
      if (!live) return;
      setJob(j);
      if (j.status === "queued" || j.status === "running") timer = setTimeout(read, 1000);
      else onFinished();
    }).catch(() => { if (live) timer = setTimeout(read, 2000); });
    read();
    return () => { live = false; clearTimeout(timer); };
  }, [jobId]);
  if (!job) return html`<p class="muted">${t("app.loading")}</p>`;
  return html`<div class="panel" data-testid="mail-progress" data-status=${job.status}>
    <${Badge} group="mailing_status" code=${job.status} />
    <progress max=${job.total || 1} value=${job.processed}></progress>
    <span>${progressText(job)}</span>
    ${job.status === "failed" && job.message && html`<p class="form-error">${t("mail.failed_reason", { message: job.message })}</p>`}
  </div>`;
}

export function Mail({ campaign, editor }) {
  const [jobId, setJobId] = useState(null);
  const [n, setN] = useState(0);
  const [history, error] = useApi(`/campaigns/${campaign.id}/emails`, { per_page: 20 }, [n]);
  const open = ["planned", "active"].includes(campaign.status);
  const fields = [
    { name: "subject", label: t("mail.subject"), required: true, maxLength: 300, wide: true },
    { name: "body", label: t("mail.body"), type: "textarea", required: true, rows: 8, wide: true, help: t("mail.help") },
  ];
  return html`<div>
    ${editor && open && html`<${Form} fields=${fields} initial=${{ subject: "", body: "" }} submitLabel=${t("mail.send")}
      submit=${(body) => api.post(`/campaigns/${campaign.id}/emails`, body)}
      onDone=${(answer) => { toast(t("mail.queued")); setJobId(answer.job_id); setN(n + 1); }} />`}
    ${editor && !open && html`<p class="notice">${t("mail.closed")}</p>`}
    ${jobId && html`<${MailingProgress} jobId=${jobId} onFinished=${() => setN((x) => x + 1)} />`}
    <h3>${t("mail.history")}</h3>
    ${!history && html`<${Pending} data=${history} error=${error} />`}
    ${history && history.items.length === 0 && html`<p class="muted">${t("mail.none")}</p>`}
    ${history && history.items.length > 0 && html`<div class="table-wrap"><table class="list" data-testid="mailings">
      <tbody>${history.items.map((m) => html`<tr key=${m.id}>
        <td class="main">${m.subject}</td>
        <td><${Badge} group="mailing_status" code=${m.status} /></td>
        <td>${progressText(m)}</td>
        <td>${dateTime(m.created_at)}</td>
      </tr>`)}</tbody>
    </table></div>`}
  </div>`;
}

export function Return({ campaign }) {
  const [roi, error] = useApi(`/campaigns/${campaign.id}/roi`);
  if (!roi) return html`<${Pending} data=${roi} error=${error} />`;
  const cost = roi.actual_cost ?? roi.budget;
  return html`<div data-testid="campaign-roi"><${Details} items=${[
    [t("roi.members"), String(roi.members)],
    [t("roi.reached"), String(roi.reached)],
    [t("roi.leads"), String(roi.leads)],
    [t("roi.opportunities"), String(roi.opportunities)],
    [t("roi.won_amount"), money(roi.won_amount)],
    [t("roi.cost"), money(cost)],
    [t("roi.roi"), html`<strong data-testid="roi-value">${roi.roi === null ? t("roi.none") : `${roi.roi}%`}</strong>`],
  ]} /></div>`;
}
