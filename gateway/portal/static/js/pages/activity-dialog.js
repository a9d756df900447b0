// Logging an activity (call, visit, meeting, e-mail, note) in a dialog: from the customer
// page (the customer is known) or from anywhere (a customer picker first). The kind comes
// from the button clicked; the time defaults to now; a contact of the customer may be named.
import { html, useEffect, useMemo, useRef, useState } from "../lib.js";
import { api } from "../api.js";
import { label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/activities.js";
import { Form } from "../ui/form.js";
import { toast } from "../ui/feedback.js";

mergeCatalogues(cat);

export const KINDS = ["call", "visit", "meeting", "email", "note"];

function nowLocal() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The form's fields; `customerId` null adds a customer picker. */
export function activityFields(contacts, { pickCustomer = false, hideKind = false } = {}) {
  return [
    ...(pickCustomer ? [{ name: "customer_id", label: t("activity.customer"), type: "record", kind: "customers", required: true, wide: true }] : []),
    { name: "kind", label: t("activity.kind"), type: "select", noEmpty: true, required: true, hidden: hideKind,
      options: KINDS.map((k) => [k, label("activity_kind", k)]) },
    { name: "occurred_at", label: t("activity.occurred_at"), type: "datetime", required: true },
    { name: "summary", label: t("activity.summary"), type: "textarea", required: true, wide: true, rows: 4, maxLength: 5000 },
    ...(contacts.length ? [{ name: "contact_id", label: t("activity.contact"), type: "select", options: contacts.map((c) => [c.id, c.name]) }] : []),
  ];
}

export function ActivityForm({ kind, customerId, leadId, onSaved, onCancel, hideKind = false }) {
  const [chosen, setChosen] = useState(customerId || "");
  const [contacts, setContacts] = useState([]);
  useEffect(() => {
    setContacts([]);
    if (chosen) api.get("/contacts", { customer_id: chosen, per_page: 200 }).then((a) => setContacts(a.items)).catch(() => {});
  }, [chosen]);
  const fields = activityFields(contacts, { pickCustomer: !customerId && !leadId, hideKind });
  const initial = useMemo(() => ({ customer_id: customerId || "", kind: kind || "visit", occurred_at: nowLocal(), summary: "", contact_id: "" }), []);
  const submit = (body, key) => api.post("/activities", leadId // a lead's: no customer, no contact yet
    ? { kind: body.kind, occurred_at: body.occurred_at, summary: body.summary, lead_id: leadId }
    : { ...body, customer_id: customerId || body.customer_id }, { key });
  const done = (saved) => {
    toast(t("activity.logged", { kind: label("activity_kind", saved.kind) }));
    onSaved(saved);
  };
  return html`<${Form} fields=${fields} initial=${initial} submit=${submit} onDone=${done} onCancel=${onCancel}
    submitLabel=${t("activity.save")} onChange=${(values, changed) => changed === "customer_id" && setChosen(values.customer_id)} />`;
}

export function ActivityDialog({ kind, customer, lead, onClose, onSaved }) {
  const onKey = (e) => e.key === "Escape" && onClose();
  const box = useRef(null);
  useEffect(() => {
    const first = box.current && (box.current.querySelector("textarea") || box.current.querySelector("input"));
    if (first) first.focus();
  }, []);
  return html`<div class="modal-backdrop" onKeyDown=${onKey}>
    <div class="modal wide" role="dialog" aria-modal="true" aria-labelledby="activity-title" ref=${box}>
      <h2 id="activity-title">${t("activity.log_kind", { kind: label("activity_kind", kind) })}${customer ? ` · ${customer.name}` : lead ? ` · ${lead.name}` : ""}</h2>
      <${ActivityForm} kind=${kind} customerId=${customer && customer.id} leadId=${lead && lead.id} onSaved=${onSaved} onCancel=${onClose} />
    </div>
  </div>`;
}
