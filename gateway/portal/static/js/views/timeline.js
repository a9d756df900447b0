// A customer's timeline (GET /timeline, newest first). Entries arrive by events shortly
// after a write, so the panel polls: quickly just after it opens or after a write here,
// slowly otherwise (and after a failed read); "load more" pages back with the answer's next_cursor.

import { get } from "../api.js";
import { errorBox, formatTime, h } from "../dom.js";

const FAST_MS = 1500;
const SLOW_MS = 15000;
const FAST_FOR_MS = 20000;
const PER_PAGE = 20;

function entryItem(entry) {
  return h("li", { class: "tl-item", dataset: { type: entry.type } },
    h("time", { datetime: entry.occurred_at }, formatTime(entry.occurred_at)),
    h("div", { class: "tl-summary" }, entry.summary_zh || entry.summary || entry.type),
    h("div", { class: "tl-meta" }, h("code", {}, entry.type))); // the summary names the actor
}

export function timelinePanel(customerId, ctx) {
  const entries = new Map();
  let olderCursor = null;
  let olderLoaded = false;
  let total = 0;
  let fastUntil = Date.now() + FAST_FOR_MS;
  let failing = false;

  const list = h("ol", { class: "timeline", id: "timeline" });
  const status = h("div", { class: "tl-status" });
  const count = h("span", { class: "muted" });
  const more = h("button", { type: "button", hidden: true, onclick: () => loadOlder() }, "加载更多 Load more");

  function merge(items) {
    for (const entry of items) entries.set(entry.event_id, entry);
  }

  function render() {
    const sorted = [...entries.values()].sort((a, b) => Date.parse(b.occurred_at) - Date.parse(a.occurred_at));
    list.replaceChildren(...(sorted.length
      ? sorted.map(entryItem)
      : [h("li", { class: "tl-empty muted" }, "暂无记录，稍候自动刷新 Nothing recorded yet; refreshing…")]));
    count.textContent = `共 ${Math.max(total, entries.size)} 条`;
    more.hidden = !olderCursor;
  }

  async function fetchPage(before) {
    return get("/timeline", { customer_id: customerId, per_page: PER_PAGE, before });
  }

  async function refresh() {
    try {
      const answer = await fetchPage();
      merge(answer.items);
      total = answer.total;
      if (!olderLoaded) olderCursor = answer.next_cursor || null;
      failing = false;
      status.replaceChildren();
    } catch (error) {
      failing = true;
      status.replaceChildren(errorBox(error));
    }
    render();
  }

  async function loadOlder() {
    if (!olderCursor) return;
    more.disabled = true;
    try {
      const answer = await fetchPage(olderCursor);
      merge(answer.items);
      olderLoaded = true;
      olderCursor = answer.next_cursor || null;
      status.replaceChildren();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    } finally {
      more.disabled = false;
    }
    render();
  }

  ctx.every(() => (!failing && Date.now() < fastUntil ? FAST_MS : SLOW_MS), refresh);
  render();

  const element = h("section", { class: "card timeline-card" },
    h("div", { class: "section-head" },
      h("h2", {}, "时间线 Timeline"), count,
      h("button", { type: "button", class: "small", onclick: () => refresh() }, "刷新 Refresh")),
    status, list, more);

  return {
    element,
    /** After a write on this page: poll quickly for a while so its entry shows up soon. */
    soon() {
      fastUntil = Date.now() + FAST_FOR_MS;
      refresh();
    },
  };
}
