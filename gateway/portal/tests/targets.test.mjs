// Sales targets' page rules, without a browser: the month shown by default, whose target the
// caller may set, and which reps get a row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { maySet, targetReps, thisMonth } from "../static/js/pages/targets.js";

const users = [
  { id: "a", role: "admin", full_name: "管理员" },
  { id: "m", role: "manager", full_name: "李经理" },
  { id: "r1", role: "sales", full_name: "张三", manager_id: "m" },
  { id: "r2", role: "sales", full_name: "王五", manager_id: "m", active: false },
  { id: "m2", role: "manager", full_name: "赵经理", manager_id: "m" },
  { id: "r3", role: "sales", full_name: "孙七", manager_id: "m2" },
  { id: "x", role: "sales", full_name: "外人" },
  { id: "f", role: "finance", full_name: "会计" },
];

test("this month as YYYY-MM", () => {
  assert.equal(thisMonth(new Date(2026, 0, 5)), "2026-01");
  assert.equal(thisMonth(new Date(2026, 11, 31)), "2026-12");
});

test("a manager sets the team's targets but not their own; an admin everyone's; a rep nobody's", () => {
  const manager = { id: "m", role: "manager" };
  assert.equal(maySet(manager, { id: "r1" }), true);
  assert.equal(maySet(manager, { id: "m" }), false);
  assert.equal(maySet({ id: "a", role: "admin" }, { id: "m" }), true);
  assert.equal(maySet({ id: "r1", role: "sales" }, { id: "r1" }), false);
});

test("rows: the active sellers of the caller's team, the caller first", () => {
  const team = targetReps(users, { id: "m", role: "manager" }).map((u) => u.id);
  assert.equal(team[0], "m");
  assert.deepEqual(team.slice(1).sort(), ["m2", "r1", "r3"]);  // by name; the inactive rep and outsiders left out
  assert.deepEqual(targetReps(users, { id: "a", role: "admin" }).map((u) => u.id).sort(), ["m", "m2", "r1", "r3", "x"]);
});
