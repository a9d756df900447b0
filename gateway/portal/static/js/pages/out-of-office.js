// Out-of-office registration: when, where, which customer and why; the list of past and
// coming ones (a manager's team's too).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/activities.js";
import { Form } from "../ui/form.js";
import { PageHeader } from "../ui/page.js";
import { ListPage } from "../ui/list.js";
import { toast } from "../ui/feedback.js";
import { RecordName, UserName } from "../names.js";
import { ownerFilter } from "./customers.js";

mergeCatalogues(cat);

export default function OutOfOffice({ query, user }) {
  const [adding, setAdding] = useState(false);
  const [saved, setSaved] = useState(0);
  const fields = [
    { name: "customer_id", label: t("ooo.customer"), type: "record", kind: "customers", required: true, wide: true },
    { name: "start_at", label: t("ooo.start_at"), type: "datetime", required: true },
    { name: "end_at", label: t("ooo.end_at"), type: "datetime", required: true },
    { name: "destination", label: t("ooo.destination"), maxLength: 300, wide: true },
    { name: "purpose", label: t("ooo.purpose"), type: "textarea", required: true, rows: 3, wide: true, maxLength: 2000 },
  ];
  const done = () => {
    toast(t("ooo.registered"));
    setAdding(false);
    setSaved((n) => n + 1);
  };
  const register = html`<button type="button" class="primary" onClick=${() => setAdding(true)}>${t("ooo.register")}</button>`;
  return html`<section>
    <${PageHeader} title=${t("ooo.title")} actions=${!adding && register} />
    ${adding && html`<${Form} fields=${fields} submit=${(body, key) => api.post("/out-of-office", body, { key })}
      onDone=${done} onCancel=${() => setAdding(false)} submitLabel=${t("ooo.register")} />`}
    <${ListPage} headerless listKey="out-of-office" path="/out-of-office" query=${query} refreshKey=${saved}
      filters=${user.role === "sales" ? [] : [ownerFilter("user_id", "ooo.user")]}
      columns=${[
        { key: "start_at", label: t("ooo.when"), main: true, render: (r) => `${dateTime(r.start_at)} – ${dateTime(r.end_at)}` },
        { key: "customer_id", label: t("ooo.customer"), render: (r) => html`<a href=${`#/customers/${r.customer_id}`}><${RecordName} kind="customers" id=${r.customer_id} /></a>` },
        { key: "destination", label: t("ooo.destination") },
        { key: "purpose", label: t("ooo.purpose"), render: (r) => html`<span class="clip">${r.purpose}</span>` },
        { key: "user_id", label: t("ooo.user"), render: (r) => html`<${UserName} id=${r.user_id} />` },
      ]}
      emptyHint=${t("ooo.empty_hint")} emptyAction=${!adding && register} />
  </section>`;
}
