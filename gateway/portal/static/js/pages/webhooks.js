// Webhooks (administration): register another system's address, the events it wants and a
// signing secret; pause, resume, delete; each webhook's delivery log with "send again".
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, mergeCatalogues, number, t } from "../i18n.js";
import cat from "../i18n/webhooks.js";
import { ActionButton } from "../ui/actions.js";
import { Form } from "../ui/form.js";
import { ListPage } from "../ui/list.js";
import { Badge, Details, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { UserName } from "../names.js";

mergeCatalogues(cat);

const FIELDS = [
  { name: "url", label: t("webhook.url"), required: true, maxLength: 2000, wide: true },
  { name: "events", label: t("webhook.events"), type: "textarea", rows: 3, required: true, wide: true },
  { name: "secret", label: t("webhook.secret"), type: "password", required: true, maxLength: 200 },
  { name: "description", label: t("webhook.description"), maxLength: 300 },
];

const TONE = { delivered: "good", failed: "bad", pending: "wait" };

/** "sales.order.*\n billing.#, x" -> ["sales.order.*", "billing.#", "x"] */
export function patternsOf(text) {
  return String(text || "").split(/[\s,，]+/).filter(Boolean);
}

function Patterns({ events }) {
  return html`<span class="patterns">${events.map((p) => html`<code>${p}</code> `)}</span>`;
}

function Toggle({ hook, onDone }) {
  return hook.active
    ? html`<${ActionButton} label=${t("webhook.pause")} done=${t("webhook.paused")}
        run=${() => api.patch(`/webhooks/${hook.id}`, { active: false })} onDone=${onDone} />`
    : html`<${ActionButton} label=${t("webhook.resume")} done=${t("webhook.resumed")}
        run=${() => api.patch(`/webhooks/${hook.id}`, { active: true })} onDone=${onDone} />`;
}

function State({ hook }) {
  return html`<span class=${`badge ${hook.active ? "good" : "wait"}`}>${hook.active ? t("webhook.on") : t("webhook.off")}</span>`;
}

function Webhooks({ query }) {
  const [adding, setAdding] = useState(false);
  const [n, setN] = useState(0);
  const reload = () => setN((x) => x + 1);
  const add = html`<button type="button" class="primary" onClick=${() => setAdding(true)}>${t("webhooks.new")}</button>`;
  return html`<section>
    <${PageHeader} title=${t("webhooks.title")} subtitle=${t("webhooks.intro")} actions=${!adding && add} />
    ${adding && html`<${Form} fields=${FIELDS} initial=${{ url: "https://", events: "sales.order.*", secret: "", description: "" }}
      hints=${{ url: t("webhook.url_hint"), events: t("webhook.events_hint"), secret: t("webhook.secret_hint") }}
      submit=${(body, key) => api.post("/webhooks", { ...body, events: patternsOf(body.events) }, { key })}
      onDone=${() => { toast(t("webhook.created")); setAdding(false); reload(); }} onCancel=${() => setAdding(false)} />`}
    <${ListPage} headerless noViews listKey="webhooks" path="/webhooks" query=${query} refreshKey=${n}
      columns=${[
        { key: "url", label: t("webhook.url"), main: true, render: (r) => html`<span class="clip">${r.url}</span>` },
        { key: "events", label: t("webhook.events_short"), render: (r) => html`<${Patterns} events=${r.events} />` },
        { key: "description", label: t("webhook.description") },
        { key: "active", label: t("webhook.active"), render: (r) => html`<${State} hook=${r} />` },
        { key: "owner_id", label: t("webhook.owner"), default: false, render: (r) => html`<${UserName} id=${r.owner_id} />` },
        { key: "created_at", label: t("webhook.created_at"), default: false, render: (r) => dateTime(r.created_at) },
        { key: "toggle", label: "", render: (r) => html`<${Toggle} hook=${r} onDone=${reload} />` },
      ]}
      rowHref=${(r) => `#/admin/webhooks/${r.id}`}
      emptyHint=${t("webhooks.empty_hint")} emptyAction=${!adding && add} />
  </section>`;
}

function Deliveries({ hook, query }) {
  const [n, setN] = useState(0);
  return html`<${ListPage} title=${t("webhook.log")} noViews listKey="webhook-deliveries" path=${`/webhooks/${hook.id}/deliveries`}
    query=${query} refreshKey=${n} emptyText=${t("delivery.none")}
    filters=${[{ name: "status", label: t("delivery.status"), type: "select",
      options: ["pending", "delivered", "failed"].map((s) => [s, t(`webhook_status.${s}`)]) }]}
    columns=${[
      { key: "event_type", label: t("delivery.event"), main: true, render: (r) => html`<code>${r.event_type}</code>` },
      { key: "status", label: t("delivery.status"), render: (r) => html`<${Badge} group="webhook_status" code=${r.status} tone=${TONE[r.status]} />` },
      { key: "attempts", label: t("delivery.attempts"), num: true, render: (r) => number(r.attempts) },
      { key: "response_code", label: t("delivery.response"), render: (r) => (r.response_code ?? (r.attempts ? t("delivery.no_answer") : "")) },
      { key: "last_attempt_at", label: t("delivery.last_attempt"), render: (r) => dateTime(r.last_attempt_at) },
      { key: "next_attempt_at", label: t("delivery.next_attempt"), render: (r) => dateTime(r.next_attempt_at) },
      { key: "last_error", label: t("delivery.error"), default: false },
      { key: "redeliver", label: "", render: (r) => html`<${ActionButton} label=${t("delivery.redeliver")} done=${t("delivery.redelivered")}
        run=${() => api.post(`/webhooks/${hook.id}/deliveries/${r.id}/redeliver`, {})} onDone=${() => setN((x) => x + 1)} />` },
    ]} />`;
}

function Webhook({ id, query }) {
  const [hook, error, reload] = useApi(`/webhooks/${id}`);
  if (!hook) return html`<${Pending} data=${hook} error=${error} />`;
  const remove = html`<${ActionButton} label=${t("webhook.delete")} danger confirm=${t("webhook.delete_confirm")}
    done=${t("webhook.deleted")} run=${() => api.del(`/webhooks/${id}`)} onDone=${() => { location.hash = "#/admin/webhooks"; }} />`;
  return html`<section>
    <${PageHeader} title=${hook.description || hook.url} back="#/admin/webhooks" status=${html`<${State} hook=${hook} />`}
      actions=${html`<${Toggle} hook=${hook} onDone=${reload} />${remove}`} />
    <${Details} items=${[
      [t("webhook.url"), hook.url],
      [t("webhook.events_short"), html`<${Patterns} events=${hook.events} />`],
      [t("webhook.owner"), html`<${UserName} id=${hook.owner_id} />`],
      [t("webhook.created_at"), dateTime(hook.created_at)],
    ]} />
    <p class="muted">${t("webhook.signature_hint")}</p>
    <${Deliveries} hook=${hook} query=${query} />
  </section>`;
}

export default function WebhooksPage({ params, query }) {
  return params.id ? html`<${Webhook} id=${params.id} query=${query} />` : html`<${Webhooks} query=${query} />`;
}
