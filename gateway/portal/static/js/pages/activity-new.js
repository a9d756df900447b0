// Quick entry from the "+" menu: pick the kind with one click, the customer, and write what happened.
import { html, useState } from "../lib.js";
import { label, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/activities.js";
import { PageHeader } from "../ui/page.js";
import { ActivityForm, KINDS } from "./activity-dialog.js";

mergeCatalogues(cat);

export default function NewActivity({ query }) {
  const [kind, setKind] = useState(KINDS.includes(query.kind) ? query.kind : "visit");
  return html`<section>
    <${PageHeader} title=${t("activity.log")} back="#/activities" />
    <div class="kind-buttons" role="group" aria-label=${t("activity.kind")}>
      ${KINDS.map((k) => html`<button type="button" data-kind=${k} aria-pressed=${k === kind ? "true" : "false"}
        class=${k === kind ? "primary" : ""} onClick=${() => setKind(k)}>${label("activity_kind", k)}</button>`)}
    </div>
    <${ActivityForm} key=${kind} kind=${kind} hideKind customerId=${query.customer_id || null}
      onSaved=${(a) => { location.hash = `#/customers/${a.customer_id}?tab=activities`; }} onCancel=${() => history.back()} />
  </section>`;
}
