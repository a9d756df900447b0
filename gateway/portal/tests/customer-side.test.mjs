// The customer side's pure parts: where a notification leads, the week of a work plan,
// running bulk actions one call per record.
import { test } from "node:test";
import assert from "node:assert/strict";
import { notificationHref } from "../static/js/pages/notifications.js";
import { mondayOf } from "../static/js/pages/work-plans.js";
import { eachId } from "../static/js/pages/ownership.js";

test("each notification opens the record it is about", () => {
  assert.equal(notificationHref({ subject_type: "customer", subject_id: "c1", customer_id: "c1" }), "#/customers/c1");
  assert.equal(notificationHref({ subject_type: "complaint", subject_id: "k1", customer_id: "c1" }), "#/complaints/k1");
  assert.equal(notificationHref({ subject_type: "expense", subject_id: "e1" }), "#/expenses/e1");
  assert.equal(notificationHref({ subject_type: "order", subject_id: "o1" }), "#/orders/o1");
  // no page of its own: the customer's tab about it
  assert.equal(notificationHref({ subject_type: "activity", subject_id: "a1", customer_id: "c1" }), "#/customers/c1?tab=activities");
  assert.equal(notificationHref({ subject_type: "invoice", subject_id: "i1", customer_id: "c1" }), "#/customers/c1?tab=invoices");
  assert.equal(notificationHref({ subject_type: "shipment", subject_id: "s1" }), "#/notifications");
});

test("a work plan's week starts on Monday", () => {
  assert.equal(mondayOf("2026-11-30"), "2026-11-30"); // a Monday
  assert.equal(mondayOf("2026-12-06"), "2026-11-30"); // its Sunday
  assert.equal(mondayOf("2027-01-01"), "2026-12-28"); // across the year
  assert.match(mondayOf("garbage"), /^\d{4}-\d{2}-\d{2}$/); // today's week
});

test("bulk actions call once per record and report partial failures", async () => {
  const seen = [];
  assert.equal(await eachId(["a", "b"], async (id) => seen.push(id)), 2);
  assert.deepEqual(seen, ["a", "b"]);
  const refused = Object.assign(new Error("no"), { status: 403 });
  await assert.rejects(eachId(["a", "b", "c"], async (id) => { if (id === "b") throw refused; }),
    (err) => err === refused && err.partial === 2);
});
