// Create or edit a lead (and the marketing campaign it came from).
import { html } from "../lib.js";
import { api } from "../api.js";
import { mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/leads.js";
import campaignsCat from "../i18n/campaigns.js";
import { Form, initialValues } from "../ui/form.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";

mergeCatalogues(cat);
mergeCatalogues(campaignsCat);

export function leadFields() {
  return [
    { name: "name", label: t("lead.name"), required: true, maxLength: 200 },
    { name: "company", label: t("lead.company"), maxLength: 300 },
    { name: "phone", label: t("lead.phone"), type: "tel", maxLength: 50 },
    { name: "email", label: t("lead.email"), type: "email", maxLength: 200 },
    { name: "source", label: t("lead.source"), maxLength: 100, placeholder: t("lead.source_hint") },
    { name: "campaign_id", label: t("campaign.picker"), type: "record", kind: "campaigns", help: t("campaign.picker_help") },
  ];
}

export default function LeadForm({ params }) {
  const editing = Boolean(params.id);
  const [record, error] = useApi(editing ? `/leads/${params.id}` : null);
  if (editing && !record) return html`<${Pending} data=${record} error=${error} />`;
  const fields = leadFields();
  const submit = (body, key) => (editing ? api.patch(`/leads/${params.id}`, body, { key }) : api.post("/leads", body, { key }));
  const done = (saved) => {
    toast(editing ? t("form.saved") : t("form.created"));
    location.hash = `#/leads/${saved.id}`;
  };
  return html`<section>
    <${PageHeader} title=${editing ? t("leads.edit") : t("leads.new")} back=${editing ? `#/leads/${params.id}` : "#/leads"} />
    <${Form} fields=${fields} initial=${initialValues(fields, record || {})} submit=${submit} onDone=${done}
      editing=${editing} onCancel=${() => history.back()} />
  </section>`;
}
