// A customer's live timeline: every recorded action, newest first, in the user's language
// (the tracking service writes each summary in Chinese and English). Settles by events
// shortly after a write, so it polls quickly for a while after it opens or after `bump`
// changes, then slowly; older entries page back with the answer's next_cursor.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api } from "../api.js";
import { ago, dateTime, errorText, lang, t } from "../i18n.js";
import { Empty } from "./page.js";

const FAST_MS = 1500;
const FAST_FOR_MS = 20000;
const SLOW_MS = 15000;

export function summaryOf(entry) {
  return (lang() === "en" ? entry.summary_en : entry.summary_zh) || entry.summary;
}

export function Timeline({ customerId, bump = 0, per = 30 }) {
  const [entries, setEntries] = useState(null);
  const [older, setOlder] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const fastUntil = useRef(0);
  useEffect(() => {
    fastUntil.current = Date.now() + FAST_FOR_MS;
  }, [bump, customerId]);
  useEffect(() => {
    let live = true;
    let timer = null;
    const load = async () => {
      try {
        const answer = await api.get("/timeline", { customer_id: customerId, per_page: per });
        if (!live) return;
        setEntries(answer.items);
        setCursor((c) => c ?? answer.next_cursor ?? null);
        setError(null);
      } catch (err) {
        if (live) setError(err);
      }
      if (live) timer = setTimeout(load, Date.now() < fastUntil.current ? FAST_MS : SLOW_MS);
    };
    load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [customerId, bump]);
  const more = async () => {
    const answer = await api.get("/timeline", { customer_id: customerId, per_page: per, before: cursor });
    setOlder((o) => [...o, ...answer.items]);
    setCursor(answer.next_cursor || null);
  };
  if (error && !entries) return html`<div class="form-error" role="alert">${errorText(error)}</div>`;
  if (!entries) return html`<p class="muted loading">${t("app.loading")}</p>`;
  const all = [...entries, ...older.filter((o) => !entries.some((e) => e.event_id === o.event_id))];
  if (all.length === 0) return html`<${Empty} text=${t("timeline.empty")} />`;
  return html`<div class="timeline-wrap">
    <ol class="timeline" aria-live="polite">
      ${all.map((e) => html`<li key=${e.event_id} class=${`tl tl-${e.service}`}>
        <time datetime=${e.occurred_at} title=${dateTime(e.occurred_at)}>${ago(e.occurred_at)}</time>
        <span class="tl-text">${summaryOf(e)}</span>
      </li>`)}
    </ol>
    ${cursor && entries.length >= per && html`<button type="button" class="link" onClick=${more}>${t("timeline.more")}</button>`}
  </div>`;
}
