// Page building blocks: the page title (focused on navigation), empty states that say what
// to do next, status badges in words, record pages with tabs, a hook for one API read.
import { html, useEffect, useState } from "../lib.js";
import { api } from "../api.js";
import { errorText, label, t } from "../i18n.js";
import { parseHash, setQuery } from "../router.js";
import { seesCustomers } from "../session.js";

export function PageHeader({ title, subtitle, status, actions, back }) {
  return html`<header class="page-header">
    <div class="page-title-row">
      ${back && html`<a class="back" href=${back} aria-label=${t("app.back")}>‹</a>`}
      <h1 id="page-title" tabindex="-1">${title}</h1>
      ${status}
    </div>
    ${subtitle && html`<div class="page-subtitle">${subtitle}</div>`}
    ${actions && html`<div class="page-actions">${actions}</div>`}
  </header>`;
}

export function Empty({ text, hint, action }) {
  return html`<div class="empty">
    <p>${text || t("empty.nothing")}</p>
    ${hint && html`<p class="muted">${hint}</p>`}
    ${action}
  </div>`;
}

/** A code shown as words in a coloured badge: group is the catalogue prefix (order_status ...). */
export function Badge({ group, code, tone }) {
  if (!code) return null;
  return html`<span class=${`badge ${tone || toneOf(code)}`}>${label(group, code)}</span>`;
}

const TONES = {
  good: ["active", "confirmed", "accepted", "won", "paid", "resolved", "approved", "shipped", "converted", "closed", "done", "completed"],
  bad: ["lost", "rejected", "cancelled", "disqualified", "overdue", "deleted", "void", "voided"],
  wait: ["pending", "pending_approval", "submitted", "sent", "in_progress", "partially_paid", "partially_shipped", "open", "draft", "new"],
};

function toneOf(code) {
  for (const [tone, codes] of Object.entries(TONES)) if (codes.includes(code)) return tone;
  return "";
}

/** Label/value pairs; values that are empty show a dash. */
export function Details({ items }) {
  return html`<dl class="details">
    ${items.filter(Boolean).map(([k, v]) => html`<div><dt>${k}</dt><dd>${v === "" || v === null || v === undefined ? "—" : v}</dd></div>`)}
  </dl>`;
}

/** Tabs kept in the address (?tab=...), so a reload or a link opens the same tab. */
export function Tabs({ tabs, query }) {
  const active = tabs.find((x) => x.key === query.tab) || tabs[0];
  useEffect(() => { // the chosen tab stays in sight when the row scrolls (phones)
    const button = document.getElementById(`tab-${active.key}`);
    const row = button && button.parentElement;
    if (row && row.scrollWidth > row.clientWidth) row.scrollLeft = button.offsetLeft - (row.clientWidth - button.offsetWidth) / 2;
  }, [active.key]);
  return html`<div class="tabs">
    <div role="tablist" class="tab-list">
      ${tabs.map((x) => html`<button type="button" role="tab" id=${`tab-${x.key}`} aria-selected=${x === active ? "true" : "false"}
        aria-controls="tab-panel" onClick=${() => setQuery({ tab: x.key === tabs[0].key ? "" : x.key, page: "", sort: "" })}>
        ${x.label}${x.count !== undefined && x.count !== null ? html` <span class="count">${x.count}</span>` : ""}</button>`)}
    </div>
    <div role="tabpanel" id="tab-panel" aria-labelledby=${`tab-${active.key}`} class="tab-panel">${active.render()}</div>
  </div>`;
}

/** One read of the API, again whenever a dependency changes: [data, error, reload]. */
export function useApi(path, query, deps = []) {
  const [state, setState] = useState({ data: null, error: null });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    api.get(path, query).then((data) => live && setState({ data, error: null }))
      .catch((error) => live && setState({ data: null, error }));
    return () => {
      live = false;
    };
  }, [path, JSON.stringify(query || {}), n, ...deps]);
  return [state.data, state.error, () => setN((x) => x + 1)];
}

/** What to show while a read is on its way or failed; null once there is data. */
export function Pending({ data, error }) {
  if (error) return html`<div class="form-error" role="alert">${errorText(error)}</div>`;
  if (!data) return html`<p class="muted loading">${t("app.loading")}</p>`;
  return null;
}

export function currentQuery() {
  return parseHash().query;
}

/** A customer's name, linking to their page for those who may open it (finance and the
 * warehouse see the name on their records, not the customer). */
export function CustomerLink({ id, name }) {
  const text = name || (id ? id.slice(0, 8) : "");
  return seesCustomers() && id ? html`<a href=${`#/customers/${id}`}>${text}</a>` : text;
}
