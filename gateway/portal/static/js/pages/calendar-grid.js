// The calendar's arithmetic, without a browser: the days a week or month view shows (weeks
// start on Monday), the window to ask GET /calendar for, which days an item falls on, and
// where an item leads.

/** YYYY-MM-DD of a local date. */
export function dayKey(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A local date at midnight from YYYY-MM-DD (today when missing or invalid). */
export function parseDay(text, today = new Date()) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : new Date(today);
  if (Number.isNaN(d.getTime())) return parseDay("", today);
  d.setHours(0, 0, 0, 0);
  return d;
}

export function addDays(date, n) {
  const d = new Date(date);
  d.setDate(d.getDate() + n);
  return d;
}

/** The Monday of the date's week. */
export function weekStart(date) {
  return addDays(date, -((date.getDay() + 6) % 7));
}

/** The days a view shows: a week (Monday..Sunday), or a month in whole weeks. */
export function viewDays(view, anchor) {
  let first;
  let count;
  if (view === "month") {
    const firstOfMonth = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
    const lastOfMonth = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0);
    first = weekStart(firstOfMonth);
    const last = addDays(weekStart(lastOfMonth), 6);
    count = Math.round((last - first) / 86400000) + 1;
  } else {
    first = weekStart(anchor);
    count = 7;
  }
  return Array.from({ length: count }, (_, i) => addDays(first, i));
}

/** The window to ask for: from the first day's midnight to the day after the last (local). */
export function viewWindow(days) {
  return { from: days[0].toISOString(), to: addDays(days[days.length - 1], 1).toISOString() };
}

/** The anchor of the previous / next page of a view. */
export function shift(view, anchor, step) {
  if (view === "month") return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
  return addDays(anchor, 7 * step);
}

/** The local days an item covers: an all-day item by its calendar dates (UTC midnights),
 * a timed one from its start to just before its end. */
export function itemDays(item) {
  if (item.all_day) {
    const start = parseDay(item.starts_at.slice(0, 10));
    const end = item.ends_at ? parseDay(item.ends_at.slice(0, 10)) : addDays(start, 1);
    const out = [];
    for (let d = start; d < end && out.length < 62; d = addDays(d, 1)) out.push(dayKey(d));
    return out.length ? out : [dayKey(start)];
  }
  const start = new Date(item.starts_at);
  const end = item.ends_at ? new Date(new Date(item.ends_at).getTime() - 1) : start;
  const out = [];
  for (let d = parseDay(dayKey(start)); d <= end && out.length < 62; d = addDays(d, 1)) out.push(dayKey(d));
  return out.length ? out : [dayKey(start)];
}

/** Items per day key (all-day ones first, then by start). */
export function byDay(items) {
  const out = {};
  for (const item of items) for (const key of itemDays(item)) (out[key] = out[key] || []).push(item);
  for (const key of Object.keys(out)) {
    out[key].sort((a, b) => (b.all_day ? 1 : 0) - (a.all_day ? 1 : 0) || a.starts_at.localeCompare(b.starts_at));
  }
  return out;
}

/** Where an item leads: its record's page, else its customer's. */
export function itemHref(item) {
  switch (item.kind) {
    case "task": return `#/tasks?open=${item.id}`;
    case "planned_visit": return "#/work-plans";
    case "out_of_office": return "#/out-of-office";
    case "quote_expiry": return `#/quotes/${item.id}`;
    case "service_order": return `#/service-orders/${item.id}`;
    default: return item.customer_id ? `#/customers/${item.customer_id}` : "#/calendar";
  }
}
