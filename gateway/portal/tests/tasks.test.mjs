// Tasks' reminder choices and urgency order, the calendar's days and windows, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { byUrgency, defaultDue, remindAt, remindChoice } from "../static/js/pages/task-parts.js";
import { byDay, dayKey, itemDays, itemHref, parseDay, shift, viewDays, viewWindow, weekStart } from "../static/js/pages/calendar-grid.js";
import { SUBJECT_ROUTES, notificationHref } from "../static/js/pages/notifications.js";
import tasks from "../static/js/i18n/tasks.js";

test("the reminder is chosen as a distance before the due time, and kept when it is another one", () => {
  const due = "2026-12-01T02:00:00.000Z";
  assert.equal(remindAt(due, "none"), null);
  assert.equal(remindAt(due, "0"), due);
  assert.equal(remindAt(due, "60"), "2026-12-01T01:00:00.000Z");
  assert.equal(remindAt(due, "1440"), "2026-11-30T02:00:00.000Z");
  const task = { due_at: "2026-12-01T02:00:00+00:00", remind_at: "2026-12-01T01:20:00+00:00" };
  assert.equal(remindChoice(task), "keep");
  assert.equal(remindAt("2026-12-02T02:00:00.000Z", "keep", task), "2026-12-02T01:20:00.000Z");
  assert.equal(remindChoice({ ...task, remind_at: "2026-12-01T01:45:00+00:00" }), "15");
  assert.equal(remindChoice({ ...task, remind_at: null }), "none");
  assert.match(defaultDue(new Date(2026, 0, 31, 15, 0)), /^2026-02-01T09:00$/);
});

test("overdue open tasks come first, then by due time", () => {
  const now = Date.parse("2026-12-01T00:00:00Z");
  const list = [
    { id: "later", status: "open", due_at: "2026-12-03T00:00:00Z" },
    { id: "done-late", status: "done", due_at: "2026-11-01T00:00:00Z" },
    { id: "late", status: "open", due_at: "2026-11-30T00:00:00Z" },
    { id: "soon", status: "open", due_at: "2026-12-01T01:00:00Z" },
  ];
  assert.deepEqual(byUrgency(list, now).map((x) => x.id), ["late", "done-late", "soon", "later"]);
});

test("a week is Monday to Sunday; a month is whole weeks around it", () => {
  const wed = parseDay("2026-12-02");
  assert.equal(dayKey(weekStart(wed)), "2026-11-30");
  const week = viewDays("week", wed);
  assert.deepEqual([dayKey(week[0]), dayKey(week[6])], ["2026-11-30", "2026-12-06"]);
  const month = viewDays("month", wed);
  assert.equal(dayKey(month[0]), "2026-11-30");
  assert.equal(dayKey(month[month.length - 1]), "2027-01-03");
  assert.equal(month.length % 7, 0);
  const span = viewWindow(week);
  assert.equal(new Date(span.to) - new Date(span.from), 7 * 86400000);
  assert.equal(dayKey(shift("month", wed, 1)), "2027-01-01");
  assert.equal(dayKey(shift("week", wed, -1)), "2026-11-25");
  assert.equal(dayKey(parseDay("not a day", new Date(2026, 4, 6, 13))), "2026-05-06");
});

test("an all-day item covers its calendar dates, a timed one the local days it spans", () => {
  const week = { kind: "planned_visit", all_day: true, starts_at: "2026-11-30T00:00:00+00:00", ends_at: "2026-12-07T00:00:00+00:00" };
  assert.equal(itemDays(week).length, 7);
  assert.deepEqual(itemDays(week).slice(0, 2), ["2026-11-30", "2026-12-01"]);
  const quote = { kind: "quote_expiry", all_day: true, starts_at: "2026-12-03T00:00:00+00:00", ends_at: "2026-12-04T00:00:00+00:00" };
  assert.deepEqual(itemDays(quote), ["2026-12-03"]);
  const start = new Date(2026, 11, 2, 10, 0);
  const task = { kind: "task", all_day: false, starts_at: start.toISOString(), ends_at: null };
  assert.deepEqual(itemDays(task), ["2026-12-02"]);
  const trip = { kind: "out_of_office", all_day: false, starts_at: start.toISOString(),
    ends_at: new Date(2026, 11, 3, 12, 0).toISOString() };
  assert.deepEqual(itemDays(trip), ["2026-12-02", "2026-12-03"]);
  const days = byDay([task, quote, { ...quote, id: "q2", starts_at: "2026-12-02T00:00:00+00:00", ends_at: "2026-12-03T00:00:00+00:00" }]);
  assert.equal(days["2026-12-02"][0].all_day, true); // all-day first
});

test("every entry and a task reminder lead to their record", () => {
  assert.equal(itemHref({ kind: "task", id: "t1" }), "#/tasks?open=t1");
  assert.equal(itemHref({ kind: "quote_expiry", id: "q1" }), "#/quotes/q1");
  assert.equal(itemHref({ kind: "out_of_office", id: "o1" }), "#/out-of-office");
  assert.equal(itemHref({ kind: "service_order", id: "s1" }), "#/service-orders/s1");
  assert.ok(SUBJECT_ROUTES.task);
  assert.equal(notificationHref({ subject_type: "task", subject_id: "t1" }), "#/tasks?open=t1");
});

test("the tasks catalogue has the same keys in both languages", () => {
  assert.deepEqual(Object.keys(tasks.zh).sort(), Object.keys(tasks.en).sort());
});
