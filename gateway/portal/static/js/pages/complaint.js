// A complaint: create one (customer, subject, description, who handles it); on an existing
// one, move it along (open -> in progress -> resolved), hand it to someone else, or create a
// service order from it (the intake form comes filled in).
import { html } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/service.js";
import { Form } from "../ui/form.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { RecordName, UserName, userName } from "../names.js";
import { pickUser } from "./ownership.js";

mergeCatalogues(cat);

const NEXT = { open: "in_progress", in_progress: "resolved" };

function NewComplaint({ query }) {
  const fields = [
    { name: "customer_id", label: t("complaint.customer"), type: "record", kind: "customers", required: true, wide: true },
    { name: "subject", label: t("complaint.subject"), required: true, maxLength: 300, wide: true },
    { name: "description", label: t("complaint.description"), type: "textarea", rows: 4, wide: true, maxLength: 5000 },
    { name: "assignee_id", label: t("complaint.assignee"), type: "user", required: true },
  ];
  const done = (saved) => {
    toast(t("complaint.created"));
    location.hash = `#/complaints/${saved.id}`;
  };
  return html`<section>
    <${PageHeader} title=${t("complaint.new")} back=${query.customer_id ? `#/customers/${query.customer_id}?tab=complaints` : "#/complaints"} />
    <${Form} fields=${fields} initial=${{ customer_id: query.customer_id || "", subject: "", description: "", assignee_id: "" }}
      submit=${(body, key) => api.post("/complaints", body, { key })} onDone=${done} onCancel=${() => history.back()} />
  </section>`;
}

export default function ComplaintPage({ params, query }) {
  const [c, error, reload] = useApi(params.id ? `/complaints/${params.id}` : null);
  if (!params.id) return html`<${NewComplaint} query=${query} />`;
  if (!c) return html`<${Pending} data=${c} error=${error} />`;
  const change = async (body, message) => {
    try {
      await api.patch(`/complaints/${c.id}`, body);
      toast(message);
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const reassign = async () => {
    const to = await pickUser({ title: t("complaint.reassign"), label: t("complaint.assignee"), exclude: [c.assignee_id] });
    if (to) change({ assignee_id: to }, t("complaint.reassigned", { user: userName(to) }));
  };
  const next = NEXT[c.status];
  const actions = html`
    ${next && html`<button type="button" class="primary" onClick=${() => change({ status: next }, t("complaint.moved", { status: label("complaint_status", next) }))}>
      ${t(`complaint.to_${next}`)}</button>`}
    ${c.status !== "resolved" && html`<button type="button" onClick=${reassign}>${t("complaint.reassign")}</button>`}
    <a class="button" data-testid="complaint-service-order"
      href=${`#/service-orders/new?${new URLSearchParams({ customer_id: c.customer_id, complaint_id: c.id, subject: c.subject })}`}>${t("complaint.new_service_order")}</a>`;
  return html`<section class="record">
    <${PageHeader} title=${c.subject} back=${`#/customers/${c.customer_id}?tab=complaints`}
      status=${html`<${Badge} group="complaint_status" code=${c.status} />`} actions=${actions} />
    <${Details} items=${[
      [t("complaint.customer"), html`<a href=${`#/customers/${c.customer_id}`}><${RecordName} kind="customers" id=${c.customer_id} fallback=${t("action.open")} /></a>`],
      [t("complaint.assignee"), html`<${UserName} id=${c.assignee_id} />`],
      [t("complaint.created_by"), html`<${UserName} id=${c.created_by} />`],
      [t("complaint.created_at"), dateTime(c.created_at)],
      [t("complaint.updated_at"), dateTime(c.updated_at)],
      c.resolved_at && [t("complaint.resolved_at"), dateTime(c.resolved_at)],
    ]} />
    <h2>${t("complaint.description")}</h2>
    <p class="pre">${c.description || "—"}</p>
  </section>`;
}
