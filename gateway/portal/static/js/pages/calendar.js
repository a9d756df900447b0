// The calendar: a week or a month of the user's tasks, planned visits (the weekly work
// plan), out-of-office registrations and quotes running out (service orders due too, once
// the service has them); a manager looks at someone in their team. Each entry opens its
// record. Below: the secret address to subscribe from a phone's calendar (.ics).
import { html, useState } from "../lib.js";
import { api } from "../api.js";
import { dateTime, errorText, label, lang, mergeCatalogues, t } from "../i18n.js";
import cat from "../i18n/tasks.js";
import { PageHeader, Pending, useApi } from "../ui/page.js";
import { confirmDialog, toast } from "../ui/feedback.js";
import { useStylesheet } from "../ui/styles.js";
import { setQuery } from "../router.js";
import { hasTeam, TeamSelect } from "../team.js";
import { byDay, dayKey, itemHref, parseDay, shift, viewDays, viewWindow } from "./calendar-grid.js";

mergeCatalogues(cat);

export const KINDS = ["task", "planned_visit", "out_of_office", "quote_expiry", "service_order"];

function timeOf(iso) {
  return new Intl.DateTimeFormat(lang() === "en" ? "en-US" : "zh-CN", { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

function dayTitle(day) {
  const weekday = t(`calendar.weekday.${((day.getDay() + 6) % 7) + 1}`);
  return `${weekday} ${day.getMonth() + 1}/${day.getDate()}`;
}

function Entry({ item, compact }) {
  const done = item.kind === "task" && item.status === "done";
  const text = item.title || label("calendar_kind", item.kind);
  return html`<li><a class=${`cal-item kind-${item.kind} ${done ? "done" : ""}`} href=${itemHref(item)} data-kind=${item.kind}
      title=${`${label("calendar_kind", item.kind)} · ${text}${item.customer_name ? ` · ${item.customer_name}` : ""}`}>
    <span class="cal-time">${item.all_day ? t("calendar.all_day") : timeOf(item.starts_at)}</span>
    <span class="cal-text">${compact ? "" : html`<span class="cal-kind">${label("calendar_kind", item.kind)}</span> `}${text}</span>
    ${!compact && item.customer_name && html`<span class="cal-customer muted">${item.customer_name}</span>`}
  </a></li>`;
}

function Week({ days, items, today }) {
  return html`<div class="cal-week">
    ${days.map((d) => {
      const list = items[dayKey(d)] || [];
      return html`<section class=${`cal-day ${dayKey(d) === today ? "today" : ""}`} aria-label=${dayTitle(d)}>
        <h3>${dayTitle(d)}</h3>
        ${list.length ? html`<ul>${list.map((i) => html`<${Entry} key=${`${i.kind}-${i.id}`} item=${i} />`)}</ul>`
          : html`<p class="muted cal-free">${t("calendar.empty_day")}</p>`}
      </section>`;
    })}
  </div>`;
}

const SHOWN_PER_DAY = 3;

function Month({ days, items, today, month }) {
  return html`<div class="cal-month" role="grid">
    ${[1, 2, 3, 4, 5, 6, 7].map((n) => html`<div class="cal-head" role="columnheader">${t(`calendar.weekday.${n}`)}</div>`)}
    ${days.map((d) => {
      const list = items[dayKey(d)] || [];
      const key = dayKey(d);
      return html`<div role="gridcell" class=${`cal-cell ${key === today ? "today" : ""} ${d.getMonth() !== month ? "other" : ""}`}>
        <button type="button" class="link cal-date" onClick=${() => setQuery({ view: "week", date: key })}
          aria-label=${dayTitle(d)}>${d.getDate()}</button>
        <ul>${list.slice(0, SHOWN_PER_DAY).map((i) => html`<${Entry} key=${`${i.kind}-${i.id}`} item=${i} compact />`)}</ul>
        ${list.length > SHOWN_PER_DAY && html`<button type="button" class="link cal-more" onClick=${() => setQuery({ view: "week", date: key })}>
          +${list.length - SHOWN_PER_DAY}</button>`}
      </div>`;
    })}
  </div>`;
}

/** The secret subscription address: made (shown once), made anew, stopped. */
function Feed() {
  const [status, error, reload] = useApi("/calendar/feed");
  const [made, setMade] = useState(null);
  const issue = async (again) => {
    if (again && !(await confirmDialog({ message: t("calendar.feed_confirm_regenerate") }))) return;
    try {
      setMade(await api.post("/calendar/feed"));
      reload();
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const revoke = async () => {
    if (!(await confirmDialog({ message: t("calendar.feed_confirm_revoke"), danger: true, confirmLabel: t("calendar.feed_revoke") }))) return;
    try {
      await api.del("/calendar/feed");
      setMade(null);
      reload();
      toast(t("calendar.feed_revoked"));
    } catch (err) {
      toast(errorText(err), "error");
    }
  };
  const url = made && `${location.origin}/api/v1${made.path}`;
  const copy = () => navigator.clipboard.writeText(url).then(() => toast(t("calendar.feed_copied")), () => {});
  return html`<details class="cal-feed card">
    <summary>${t("calendar.feed")}</summary>
    <p class="muted">${t("calendar.feed_hint")}</p>
    ${!status ? html`<${Pending} data=${status} error=${error} />` : html`
      ${url ? html`<div class="field wide"><label for="feed-url">${t("calendar.feed_url")}</label>
          <input id="feed-url" readonly value=${url} onFocus=${(e) => e.target.select()} data-testid="feed-url" /></div>
          <div class="card-actions"><button type="button" class="primary" onClick=${copy}>${t("calendar.feed_copy")}</button></div>`
        : html`<p>${status.active ? t("calendar.feed_on", { when: dateTime(status.created_at) }) : t("calendar.feed_off")}</p>`}
      <div class="card-actions">
        ${status.active ? html`<button type="button" onClick=${() => issue(true)}>${t("calendar.feed_regenerate")}</button>
            <button type="button" class="danger" onClick=${revoke}>${t("calendar.feed_revoke")}</button>`
          : html`<button type="button" class="primary" data-testid="feed-create" onClick=${() => issue(false)}>${t("calendar.feed_create")}</button>`}
      </div>`}
  </details>`;
}

export default function Calendar({ query, user }) {
  useStylesheet("/portal/calendar.css");
  const view = query.view === "month" ? "month" : "week";
  const anchor = parseDay(query.date);
  const days = viewDays(view, anchor);
  const span = viewWindow(days);
  const who = query.user_id || "";
  const [answer, error] = useApi("/calendar", { ...span, ...(who ? { user_id: who } : {}) });
  const items = answer ? byDay(answer.items) : {};
  const today = dayKey(new Date());
  const title = view === "month"
    ? new Intl.DateTimeFormat(lang() === "en" ? "en-US" : "zh-CN", { year: "numeric", month: "long" }).format(anchor)
    : t("calendar.week_of", { from: dayTitle(days[0]), to: dayTitle(days[6]) });
  const go = (step) => setQuery({ date: dayKey(shift(view, anchor, step)) });
  return html`<section class="calendar">
    <${PageHeader} title=${t("calendar.title")} subtitle=${title} />
    <div class="cal-toolbar">
      <div class="cal-nav" role="group">
        <button type="button" onClick=${() => go(-1)} aria-label=${t("calendar.prev")}>‹</button>
        <button type="button" onClick=${() => setQuery({ date: "" })}>${t("calendar.today")}</button>
        <button type="button" onClick=${() => go(1)} aria-label=${t("calendar.next")}>›</button>
      </div>
      <div class="cal-views" role="group">
        ${["week", "month"].map((v) => html`<button type="button" aria-pressed=${view === v ? "true" : "false"}
          data-view=${v} onClick=${() => setQuery({ view: v === "week" ? "" : v })}>${t(`calendar.${v}`)}</button>`)}
      </div>
      ${hasTeam(user) && html`<label class="cal-user"><span>${t("calendar.user")}</span>
        <${TeamSelect} id="cal-user" value=${who} user=${user} anyLabel=${t("task.me")} change=${(v) => setQuery({ user_id: v === user.id ? "" : v })} /></label>`}
    </div>
    <ul class="cal-legend" aria-label=${t("calendar.legend")}>
      ${KINDS.map((k) => html`<li class=${`kind-${k}`}>${label("calendar_kind", k)}</li>`)}
    </ul>
    ${!answer ? html`<${Pending} data=${answer} error=${error} />`
      : view === "month" ? html`<${Month} days=${days} items=${items} today=${today} month=${anchor.getMonth()} />`
        : html`<${Week} days=${days} items=${items} today=${today} />`}
    ${answer && answer.items.length === 0 && html`<p class="muted">${t("calendar.nothing")}</p>`}
    ${!who && html`<${Feed} />`}
  </section>`;
}
