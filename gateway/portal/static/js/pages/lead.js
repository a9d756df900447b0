// One lead: its details; edit, disqualify (or take back), and convert into a customer and
// contact, optionally with an opportunity or onto an existing customer; after converting,
// the new customer opens. A name a colleague owns says whose it is and offers a share request.
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { date, dateTime, errorText, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/leads.js";
import customersCat from "../i18n/customers.js";
import { Form } from "../ui/form.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { RecordName, UserName } from "../names.js";
import { Duplicate } from "./customer-form.js";
import { NewTaskButton } from "./task-parts.js";
import { AssignLeadButton, LeadActivities } from "./lead-work.js";

mergeCatalogues(customersCat);
mergeCatalogues(cat);

function convertFields(values, lead) {
  return [
    { name: "existing", label: t("lead.attach_existing"), type: "checkbox" },
    ...(values.existing ? [{ name: "customer_id", label: t("lead.existing_customer"), type: "record", kind: "customers", required: true, wide: true }] : []),
    { name: "with_opportunity", label: t("lead.with_opportunity"), type: "checkbox" },
    ...(values.with_opportunity ? [
      { name: "opp_name", label: t("lead.opp_name"), required: true, maxLength: 300, wide: true, placeholder: lead.company || lead.name, errorKeys: ["opportunity"] },
      { name: "opp_amount", label: t("lead.opp_amount"), type: "money", required: true },
      { name: "opp_close", label: t("lead.opp_close"), type: "date" },
    ] : []),
  ];
}

export function ConvertPanel({ lead, onCancel }) {
  const [values, setValues] = useState({ existing: false, customer_id: "", with_opportunity: false, opp_name: "", opp_amount: "", opp_close: "" });
  const fields = convertFields(values, lead);
  const submit = (_body, key, v) => {
    const body = {};
    if (v.existing && v.customer_id) body.customer_id = v.customer_id;
    if (v.with_opportunity) {
      body.opportunity = { name: v.opp_name.trim(), amount: v.opp_amount.trim() };
      if (v.opp_close) body.opportunity.expected_close_date = v.opp_close;
    }
    return api.post(`/leads/${lead.id}/convert`, body, { key });
  };
  const done = (answer) => {
    toast(answer.opportunity_id ? t("lead.converted_with_opportunity") : t("lead.converted"));
    location.hash = `#/customers/${answer.customer_id}`;
  };
  const onError = (err) => {
    if (err.code === "duplicate_customer") return html`<${Duplicate} details=${err.details} />`;
    const opp = err.details && err.details.opportunity;
    if (opp && typeof opp === "object") {
      err.details = { ...err.details, opp_name: opp.name, opp_amount: opp.amount, opp_close: opp.expected_close_date };
    }
    return null;
  };
  return html`<section class="panel" aria-labelledby="convert-title">
    <h2 id="convert-title">${t("lead.convert_title")}</h2>
    <p class="muted">${t("lead.convert_help", { company: lead.company || lead.name, name: lead.name })}</p>
    <${Form} fields=${fields} initial=${values} submit=${submit} onDone=${done} onError=${onError} onCancel=${onCancel}
      submitLabel=${t("lead.convert")} onChange=${(v) => setValues(v)} />
  </section>`;
}

export default function LeadPage({ params, user }) {
  const [lead, error, reload] = useApi(`/leads/${params.id}`);
  const [converting, setConverting] = useState(false);
  if (!lead) return html`<${Pending} data=${lead} error=${error} />`;
  const setStatus = async (status) => {
    if (status === "disqualified" && !(await confirmDialog({ message: t("lead.disqualify_confirm", { name: lead.name }), danger: true, confirmLabel: t("lead.disqualify") }))) return;
    try {
      await api.patch(`/leads/${lead.id}`, { status });
      toast(status === "disqualified" ? t("lead.disqualified") : t("lead.requalified"));
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const open = lead.status !== "converted";
  const actions = open && html`
    <${NewTaskButton} user=${user} customerId=${undefined} related=${{ type: "lead", id: lead.id }} />
    ${lead.status === "new" && html`<button type="button" class="primary" onClick=${() => setConverting(true)}>${t("lead.convert")}</button>`}
    <${AssignLeadButton} lead=${lead} user=${user} onDone=${reload} />
    <a class="button" href=${`#/leads/${lead.id}/edit`}>${t("action.edit")}</a>
    ${lead.status === "new"
      ? html`<button type="button" class="danger" onClick=${() => setStatus("disqualified")}>${t("lead.disqualify")}</button>`
      : html`<button type="button" onClick=${() => setStatus("new")}>${t("lead.requalify")}</button>`}`;
  return html`<section class="record">
    <${PageHeader} title=${lead.name} back="#/leads" status=${html`<${Badge} group="lead_status" code=${lead.status} />`}
      subtitle=${lead.company} actions=${actions} />
    ${converting && html`<${ConvertPanel} lead=${lead} onCancel=${() => setConverting(false)} />`}
    <${Details} items=${[
      [t("lead.company"), lead.company],
      [t("lead.phone"), lead.phone],
      [t("lead.email"), lead.email],
      [t("lead.source"), lead.source],
      [t("lead.owner"), html`<${UserName} id=${lead.owner_id} />`],
      [t("lead.created_at"), dateTime(lead.created_at)],
      lead.converted_at && [t("lead.converted_at"), date(lead.converted_at)],
      lead.customer_id && [t("lead.customer"), html`<a href=${`#/customers/${lead.customer_id}`}><${RecordName} kind="customers" id=${lead.customer_id} fallback=${t("action.open")} /></a>`],
      lead.opportunity_id && [t("lead.opportunity"), html`<a href=${`#/opportunities/${lead.opportunity_id}`}>${t("lead.open_opportunity")}</a>`],
    ]} />
    <${LeadActivities} lead=${lead} />
  </section>`;
}
