// The user's notifications, unread first; each opens the record it is about.
import { html } from "../lib.js";
import { api } from "../api.js";
import { ago, errorText, lang, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/customers.js";
import { Empty, PageHeader, Pending, useApi } from "../ui/page.js";
import { toast } from "../ui/feedback.js";
import { setQuery } from "../router.js";

mergeCatalogues(cat);

/** Where a notification leads: its subject's page, else its customer's (the tab it is about). */
export const SUBJECT_ROUTES = {
  customer: (id) => `#/customers/${id}`,
  order: (id) => `#/orders/${id}`,
  quote: (id) => `#/quotes/${id}`,
  opportunity: (id) => `#/opportunities/${id}`,
  project: (id) => `#/projects/${id}`,
  product: (id) => `#/products/${id}`,
  lead: (id) => `#/leads/${id}`,
  complaint: (id) => `#/complaints/${id}`,
  service_order: (id) => `#/service-orders/${id}`,
  expense: (id) => `#/expenses/${id}`,
  task: (id) => `#/tasks?open=${id}`,
  handover: () => "#/customers", // a colleague's work handed over to you: your customers (issue 16)
};

/** Subjects without a page of their own, shown on their customer's page. */
export const SUBJECT_TABS = { activity: "activities", invoice: "invoices", payment: "payments" };

export function notificationHref(n) {
  const route = SUBJECT_ROUTES[n.subject_type];
  if (route && n.subject_id) return route(n.subject_id);
  const tab = SUBJECT_TABS[n.subject_type];
  if (n.customer_id) return `#/customers/${n.customer_id}${tab ? `?tab=${tab}` : ""}`;
  return "#/notifications";
}

export default function Notifications({ query }) {
  const page = Number(query.page) || 1;
  const [list, error, reload] = useApi("/notifications", { page, per_page: 50 });
  const open = async (n) => {
    if (!n.read) await api.post(`/notifications/${n.id}/read`).catch(() => {});
    window.dispatchEvent(new Event("crm:notifications"));
    location.hash = notificationHref(n);
  };
  const readAll = async () => {
    try {
      await api.post("/notifications/read-all");
      reload();
      window.dispatchEvent(new Event("crm:notifications"));
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  return html`<section>
    <${PageHeader} title=${t("notifications.title")} actions=${html`<button type="button" onClick=${readAll}>${t("notifications.read_all")}</button>`} />
    ${!list ? html`<${Pending} data=${list} error=${error} />` : list.items.length === 0 ? html`<${Empty} text=${t("notifications.empty")} />` : html`
      <ul class="notifications">
        ${list.items.map((n) => html`<li class=${n.read ? "read" : "unread"}>
          <a href=${notificationHref(n)} onClick=${(e) => { e.preventDefault(); open(n); }}>
            ${!n.read && html`<span class="dot" aria-label=${t("notifications.unread")}></span>`}
            <span>${(lang() === "en" ? n.message : n.message_zh) || n.message}</span>
            <time datetime=${n.created_at}>${ago(n.created_at)}</time>
          </a></li>`)}
      </ul>
      ${list.total > page * 50 && html`<button type="button" onClick=${() => setQuery({ page: page + 1 }, { replace: false })}>${t("list.next")}</button>`}`}
  </section>`;
}
