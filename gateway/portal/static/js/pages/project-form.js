// Record or edit a customer project: customer, name, amounts, description; the competition
// (who else bids, their offer, notes) and the customer's people with their role in the
// decision. Only a draft or a rejected project is edited (the API answers 409 otherwise).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { Form, RecordPicker } from "../ui/form.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { describeCustomer } from "./sales-common.js";
import { EDITABLE } from "./project-parts.js";

function fieldsFor(editing) {
  return [
    { name: "customer_id", label: t("project.customer"), type: "record", kind: "customers", describe: describeCustomer,
      required: true, readOnly: editing, wide: true },
    { name: "name", label: t("project.name"), required: true, maxLength: 300, wide: true },
    { name: "estimated_amount", label: t("project.estimated_amount"), type: "money", placeholder: "0.00" },
    { name: "budget", label: t("project.budget"), type: "money", placeholder: "0.00" },
    { name: "description", label: t("project.description"), type: "textarea", maxLength: 5000, wide: true, rows: 4 },
  ];
}

const blankCompetitor = () => ({ name: "", offer: "", notes: "" });
const blankPerson = () => ({ contact_id: "", role: "" });

/** The rows as the API takes them: empty rows left out, money trimmed. */
export function competitionBody(rows) {
  return rows.filter((r) => (r.name || "").trim() || r.competitor_id).map((r) => ({
    ...(r.competitor_id ? { competitor_id: r.competitor_id } : {}),
    name: (r.name || "").trim() || null, offer: (r.offer || "").trim() || null, notes: (r.notes || "").trim() || null,
  }));
}

export function peopleBody(rows) {
  return rows.filter((r) => r.contact_id).map((r) => ({ contact_id: r.contact_id, role: (r.role || "").trim() }));
}

function Competition({ rows, setRows }) {
  const change = (i, key, value) => setRows(rows.map((r, j) => (j === i ? { ...r, [key]: value } : r)));
  return html`<fieldset class="rows" data-testid="project-competition">
    <legend>${t("project.competition")}</legend>
    ${rows.map((r, i) => html`<div class="row-line" key=${i}>
      <label>${t("project.competitor")}<input value=${r.name} maxlength="200" onInput=${(e) => change(i, "name", e.target.value)} /></label>
      <label>${t("project.offer")}<input value=${r.offer} inputmode="decimal" placeholder="0.00" onInput=${(e) => change(i, "offer", e.target.value)} /></label>
      <label class="wide">${t("project.notes")}<input value=${r.notes} maxlength="1000" onInput=${(e) => change(i, "notes", e.target.value)} /></label>
      <button type="button" class="link" onClick=${() => setRows(rows.filter((_, j) => j !== i))}>${t("project.remove")}</button>
    </div>`)}
    <button type="button" onClick=${() => setRows([...rows, blankCompetitor()])}>${t("project.add_competitor")}</button>
  </fieldset>`;
}

function People({ rows, setRows, customerId }) {
  const change = (i, key, value) => setRows(rows.map((r, j) => (j === i ? { ...r, [key]: value } : r)));
  return html`<fieldset class="rows" data-testid="project-people">
    <legend>${t("project.people")}</legend>
    ${!customerId && html`<p class="muted">${t("project.pick_customer_first")}</p>`}
    ${customerId && rows.map((r, i) => html`<div class="row-line pair" key=${i}>
      <label>${t("project.contact")}<${RecordPicker} kind="contacts" value=${r.contact_id} query=${{ customer_id: customerId }}
        onInput=${(v) => change(i, "contact_id", v || "")} /></label>
      <label>${t("project.role")}<input value=${r.role} maxlength="100" placeholder=${t("project.role_hint")}
        onInput=${(e) => change(i, "role", e.target.value)} /></label>
      <button type="button" class="link" onClick=${() => setRows(rows.filter((_, j) => j !== i))}>${t("project.remove")}</button>
    </div>`)}
    ${customerId && html`<button type="button" onClick=${() => setRows([...rows, blankPerson()])}>${t("project.add_person")}</button>`}
  </fieldset>`;
}

export default function ProjectForm({ params, query }) {
  const editing = Boolean(params.id);
  const [project, error] = useApi(editing ? `/projects/${params.id}` : null);
  if (editing && !project) return html`<${Pending} data=${project} error=${error} />`;
  return html`<${Editor} project=${project} query=${query} />`;
}

function Editor({ project, query }) {
  const editing = Boolean(project);
  const [customerId, setCustomerId] = useState(project ? project.customer_id : query.customer_id || "");
  const [competition, setCompetition] = useState(project
    ? project.competitors.map((c) => ({ ...c, name: c.name || "", offer: c.offer || "", notes: c.notes || "" }))
    : [blankCompetitor()]);
  const [people, setPeople] = useState(project ? project.contacts.map((c) => ({ ...c })) : []);
  const fields = fieldsFor(editing);
  const initial = project ? {
    customer_id: project.customer_id, name: project.name, estimated_amount: project.estimated_amount || "",
    budget: project.budget || "", description: project.description || "",
  } : { customer_id: customerId, name: "", estimated_amount: "", budget: "", description: "" };
  const submit = (body, key) => {
    const full = { ...body, competitors: competitionBody(competition), contacts: peopleBody(people) };
    return editing ? api.patch(`/projects/${project.id}`, full) : api.post("/projects", full, { key });
  };
  const done = (saved) => {
    toast(t(editing ? "form.saved" : "form.created"));
    location.hash = `#/projects/${saved.id}`;
  };
  const back = editing ? `#/projects/${project.id}` : "#/projects";
  return html`<section>
    <${PageHeader} title=${editing ? t("project.edit") : t("project.new")} back=${back} />
    ${editing && !EDITABLE.includes(project.status) && html`<p class="notice">${t("project.locked")}</p>`}
    <${Form} fields=${fields} initial=${initial} editing=${editing} submit=${submit} onDone=${done}
      onChange=${(values, name) => { if (name === "customer_id") { setCustomerId(values.customer_id || ""); setPeople([]); } }}
      onCancel=${() => { location.hash = back; }}>
      <${Competition} rows=${competition} setRows=${setCompetition} />
      <${People} rows=${people} setRows=${setPeople} customerId=${customerId} />
    </${Form}>
  </section>`;
}
