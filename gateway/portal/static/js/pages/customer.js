// The customer page, the 360° view: header with status and actions, then tabs of what hangs
// off the customer. Each area adds its tab in CUSTOMER_TABS (js/pages/customer-tabs.js).
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { date, errorText, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/customers.js";
import kindsCat from "../i18n/competitors.js";
import { Badge, Details, PageHeader, Pending, Tabs, useApi } from "../ui/page.js";
import { Timeline } from "../ui/timeline.js";
import { Form, useCustomFields } from "../ui/form.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { UserName } from "../names.js";
import { CUSTOMER_ACTIONS, CUSTOMER_TABS } from "./customer-tabs.js";
import { ContactPhoto, PhotoButtons, superiorName, superiorOptions } from "./contact-parts.js";
import { Shares } from "./customer-shares.js";
import "./customer-actions.js";
import "./customer-activities.js";
import "./customer-related.js";
import "./customer-documents.js";
import "./customer-tasks.js";
import "./customer-merges.js";

mergeCatalogues(cat);
mergeCatalogues(kindsCat);

function Contacts({ customer, onChange }) {
  const [list, error, reload] = useApi("/contacts", { customer_id: customer.id, per_page: 200 });
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(null);
  const live = customer.status !== "deleted"; // a deleted customer's contacts are read only
  const fields = (self) => [
    { name: "name", label: t("contact.name"), required: true, maxLength: 100 },
    { name: "title", label: t("contact.title"), maxLength: 100 },
    { name: "phone", label: t("contact.phone"), type: "tel", maxLength: 50 },
    { name: "email", label: t("contact.email"), type: "email", maxLength: 200 },
    { name: "superior_id", label: t("contact.superior"), type: "select", options: superiorOptions(list ? list.items : [], self) },
    { name: "is_decision_maker", label: t("contact.decision_maker"), type: "checkbox" },
  ];
  const saved = () => {
    setAdding(false);
    setEditing(null);
    reload();
    onChange();
    toast(t("form.saved"));
  };
  const remove = async (c) => {
    if (!(await confirmDialog({ message: t("confirm.delete"), danger: true, confirmLabel: t("action.delete") }))) return;
    try {
      await api.del(`/contacts/${c.id}`);
      toast(t("contact.deleted"));
      reload();
      onChange();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  if (!list) return html`<${Pending} data=${list} error=${error} />`;
  return html`<div>
    ${!adding && live && html`<button type="button" class="primary" onClick=${() => setAdding(true)}>${t("contacts.add")}</button>`}
    ${adding && html`<${Form} fields=${fields(null)} compact initial=${{ superior_id: "" }} submit=${(body, key) => api.post(`/customers/${customer.id}/contacts`, body, { key })}
      onDone=${saved} onCancel=${() => setAdding(false)} />`}
    ${list.items.length === 0 && !adding && html`<p class="muted">${t("contacts.empty")}</p>`}
    <ul class="cards">
      ${list.items.map((c) => (editing === c.id
        ? html`<li class="card"><${Form} fields=${fields(c)} compact editing initial=${{ ...c, is_decision_maker: Boolean(c.is_decision_maker), title: c.title || "", phone: c.phone || "", email: c.email || "", superior_id: c.superior_id || "" }}
            submit=${(body) => api.patch(`/contacts/${c.id}`, body)} onDone=${saved} onCancel=${() => setEditing(null)} /></li>`
        : html`<li class="card contact-card" data-contact=${c.name}>
            <${ContactPhoto} contact=${c} />
            <div class="contact-body">
              <strong>${c.name}</strong>${c.is_decision_maker && html` <span class="badge good">${t("contact.decision_maker")}</span>`}
              <div class="muted">${[c.title, c.phone, c.email].filter(Boolean).join(" · ")}</div>
              ${superiorName(list.items, c) && html`<div class="muted" data-testid="contact-superior">${t("contact.reports_to", { name: superiorName(list.items, c) })}</div>`}
              ${live && html`<div class="card-actions">
                <button type="button" class="link" onClick=${() => setEditing(c.id)}>${t("action.edit")}</button>
                <${PhotoButtons} contact=${c} onChanged=${reload} />
                <button type="button" class="link danger" onClick=${() => remove(c)}>${t("action.delete")}</button>
              </div>`}
            </div>
          </li>`))}
    </ul>
  </div>`;
}

function CustomerDetails({ customer, user, changed }) {
  const defs = useCustomFields() || [];
  return html`<div class="stack">
    ${customer.status === "lost" && html`<p class="notice">${t("customer.lost_because", { reason: customer.lost_reason || "—" })}</p>`}
    ${customer.status === "deleted" && html`<p class="notice">${t("customer.is_deleted", { when: date(customer.deleted_at) })}</p>`}
    <${Details} items=${[
    [t("customer.category"), customer.category],
    [t("customer.kind"), t(`customer_kind.${customer.kind || "customer"}`)],
    [t("customer.industry"), customer.industry],
    [t("customer.phone"), customer.phone],
    [t("customer.website"), customer.website],
    [t("customer.address"), customer.address],
    [t("customer.owner"), html`<${UserName} id=${customer.owner_id} />`],
    [t("customer.created_at"), date(customer.created_at)],
    ...defs.map((d) => [d.name, (customer.custom_fields || {})[d.name]]),
  ]} />
    <${Shares} customer=${customer} user=${user} changed=${changed} />
  </div>`;
}

export default function CustomerPage({ params, query, user }) {
  const [customer, error, reload] = useApi(`/customers/${params.id}`);
  const [bump, setBump] = useState(0);
  const changed = () => {
    reload();
    setBump((n) => n + 1);
  };
  useEffect(() => {
    if (customer) requestAnimationFrame(() => performance.mark("crm:record-ready:customer")); // bench/portal_pages.py
  }, [customer && customer.id]);
  if (!customer) return html`<${Pending} data=${customer} error=${error} />`;
  const ctx = { customer, user, changed, bump, query };
  const tabs = [
    { key: "details", label: t("customer.tab.details"), render: () => html`<${CustomerDetails} customer=${customer} user=${user} changed=${changed} />` },
    { key: "contacts", label: t("customer.tab.contacts"), render: () => html`<${Contacts} customer=${customer} onChange=${changed} />` },
    ...CUSTOMER_TABS.map((tab) => ({ key: tab.key, label: t(tab.labelKey), render: () => tab.render(ctx) })),
    { key: "timeline", label: t("customer.tab.timeline"), render: () => html`<${Timeline} customerId=${customer.id} bump=${bump} />` },
  ];
  const actions = html`
    ${customer.status !== "deleted" && html`<a class="button" href=${`#/customers/${customer.id}/edit`}>${t("action.edit")}</a>`}
    ${CUSTOMER_ACTIONS.map((A) => html`<${A} ...${ctx} />`)}`;
  return html`<section class="record">
    <${PageHeader} title=${customer.name} back="#/customers"
      status=${html`<${Badge} group="customer_status" code=${customer.status} />`}
      subtitle=${html`${t("customer.owner")}: <${UserName} id=${customer.owner_id} />${customer.category ? ` · ${customer.category}` : ""}${customer.industry ? ` · ${customer.industry}` : ""}`}
      actions=${actions} />
    <${Tabs} tabs=${tabs} query=${query} />
  </section>`;
}
