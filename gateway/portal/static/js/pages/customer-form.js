// Create or edit a customer: every field including the admin's custom fields; while the
// name is typed, a hint says whether the customer exists; a 409 duplicate shows the
// existing customer (or, when a colleague owns it, who does, with a request to share).
import { html, useRef, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/customers.js";
import kindsCat, { CUSTOMER_KINDS } from "../i18n/competitors.js";
import { Form, customFieldSpecs, initialValues, useCustomFields } from "../ui/form.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { userName } from "../names.js";

mergeCatalogues(cat);
mergeCatalogues(kindsCat);

export function customerFields(user, editing) {
  return [
    { name: "name", label: t("customer.name"), required: true, maxLength: 200, wide: true },
    { name: "category", label: t("customer.category"), maxLength: 50 },
    { name: "kind", label: t("customer.kind"), type: "select", noEmpty: true, default: "customer",
      options: CUSTOMER_KINDS.map((k) => [k, t(`customer_kind.${k}`)]) },
    { name: "industry", label: t("customer.industry"), maxLength: 100 },
    { name: "phone", label: t("customer.phone"), type: "tel", maxLength: 50 },
    { name: "website", label: t("customer.website"), type: "url", maxLength: 200 },
    { name: "address", label: t("customer.address"), type: "textarea", wide: true, rows: 2 },
    ...(!editing && user.role !== "sales" ? [{ name: "owner_id", label: t("customer.owner"), type: "user", roles: ["sales", "manager", "admin"], emptyLabel: t("form.me") }] : []),
  ];
}

/** What to say about a 409 duplicate: a link when the caller may see it, else who owns it and a share request. */
export function Duplicate({ details }) {
  const [asked, setAsked] = useState(false);
  const [error, setError] = useState(null);
  const id = details.existing_id;
  if (details.visible !== false) {
    return html`<span>${t("customer.duplicate_yours")} <a href=${`#/customers/${id}`}>${details.existing_name || t("customer.duplicate_open")}</a></span>`;
  }
  const owner = details.owner_name || userName(details.owner_id);
  const ask = async () => {
    try {
      await api.post(`/customers/${id}/share-requests`, {});
      setAsked(true);
    } catch (err) {
      setError(err);
    }
  };
  return html`<span>${t("customer.duplicate_other", { owner })}
    ${asked ? html` <strong>${t("customer.share_requested", { owner })}</strong>`
      : html` <button type="button" onClick=${ask}>${t("customer.duplicate_ask", { owner })}</button>`}
    ${error && html` ${errorText(error)}`}</span>`;
}

function NameHint({ name, excludeId }) {
  const [hint, setHint] = useState(null);
  const timer = useRef(null);
  const last = useRef("");
  if (name !== last.current) {
    last.current = name;
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      if (!name || name.trim().length < 2) return setHint(null);
      try {
        const answer = await api.get("/customers/duplicate-check", { name: name.trim(), exclude_id: excludeId });
        setHint(answer.duplicate && answer.duplicate.existing_id !== excludeId ? answer.duplicate : null);
      } catch {
        setHint(null);
      }
    }, 400);
  }
  return hint ? html`<div class="hint warn" role="status"><${Duplicate} details=${hint} /></div>` : null;
}

export default function CustomerForm({ params, user }) {
  const editing = Boolean(params.id);
  const [record, error] = useApi(editing ? `/customers/${params.id}` : null);
  const defs = useCustomFields();
  const [name, setName] = useState("");
  if (editing && !record) return html`<${Pending} data=${record} error=${error} />`;
  if (!defs) return html`<${Pending} data=${null} error=${null} />`;
  const fields = [...customerFields(user, editing), ...customFieldSpecs(defs)];
  const initial = initialValues(fields, record || {});
  const submit = (body, key) => (editing ? api.patch(`/customers/${params.id}`, body, { key }) : api.post("/customers", body, { key }));
  const done = (saved) => {
    toast(editing ? t("form.saved") : t("form.created"));
    location.hash = `#/customers/${saved.id}`;
  };
  const onError = (err) => (err.code === "duplicate_customer" ? html`<${Duplicate} details=${err.details} />` : null);
  const title = editing ? t("customers.edit") : t("customers.new");
  return html`<section>
    <${PageHeader} title=${title} back=${editing ? `#/customers/${params.id}` : "#/customers"} />
    <${Form} fields=${fields} initial=${initial} submit=${submit} onDone=${done} onError=${onError} editing=${editing}
      onChange=${(values, changed) => changed === "name" && setName(values.name)}
      onCancel=${() => history.back()} hints=${{ name: html`<${NameHint} name=${name} excludeId=${params.id} />` }} />
  </section>`;
}
