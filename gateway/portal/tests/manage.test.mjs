// Charts' numbers as tables, the team helper and the approval inbox's rules, without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chartConfig, chartTable, isEmpty, sumValues } from "../static/js/ui/chart.js";
import { subordinates, teamChoices } from "../static/js/team.js";
import { expenseRefusal, largestDiscount, orderRefusal } from "../static/js/pages/approvals.js";
import { period, reports } from "../static/js/pages/dashboard.js";
import { setLang } from "../static/js/i18n.js";
import manage from "../static/js/i18n/manage.js";

const spec = {
  kind: "bar", labels: ["张三", "李四"],
  series: [
    { label: "销售额", values: ["1234.50", "20.05"], money: true },
    { label: "订单数", values: [3, 1], tableOnly: true },
  ],
};

test("a chart's table has the same numbers, money in words, counts as numbers, an exact total", () => {
  setLang("zh-CN");
  const table = chartTable(spec, { corner: "业务员", withTotals: true });
  assert.deepEqual(table.head, ["业务员", "销售额", "订单数"]);
  assert.deepEqual(table.rows, [["张三", "¥1,234.50", "3"], ["李四", "¥20.05", "1"]]);
  assert.deepEqual(table.totals, ["合计", "¥1,254.55", "4"]);
  assert.equal(chartTable({ ...spec, labels: ["张三"], series: [{ label: "x", values: ["1.00"], money: true }] },
    { withTotals: true }).totals, undefined);
  assert.deepEqual(chartTable({ labels: ["a"], series: [{ label: "x", values: [null] }] }).rows, [["a", "—"]]);
});

test("money sums are exact (no floating point), negatives included", () => {
  assert.equal(sumValues(["0.10", "0.20"], true), "0.30");
  assert.equal(sumValues(["999999999999.99", "0.01"], true), "1000000000000.00");
  assert.equal(sumValues(["-5.25", "1.00"], true), "-4.25");
  assert.equal(sumValues([1, 2, "3"], false), 6);
});

test("the drawn chart leaves table-only series out and parses decimal strings", () => {
  const config = chartConfig(spec);
  assert.equal(config.data.datasets.length, 1);
  assert.deepEqual(config.data.datasets[0].data, [1234.5, 20.05]);
  assert.equal(config.options.plugins.legend.display, false);
  const picked = [];
  chartConfig(spec, (i) => picked.push(i)).options.onClick({}, [{ index: 1 }]);
  assert.deepEqual(picked, [1]);
  assert.equal(chartConfig({ ...spec, kind: "hstacked" }).options.indexAxis, "y");
  assert.equal(chartConfig({ ...spec, kind: "hstacked" }).options.scales.x.stacked, true);
  assert.equal(isEmpty({ labels: ["a"], series: [{ values: ["0.00"] }, { values: [5], tableOnly: true }] }), true);
  assert.equal(isEmpty(spec), false);
});

test("in English the table speaks English money and numbers", () => {
  setLang("en");
  assert.deepEqual(chartTable(spec).rows[0], ["张三", "¥1,234.50", "3"]);
  setLang("zh-CN");
});

const users = [
  { id: "top", role: "manager", manager_id: null, full_name: "王总" },
  { id: "m", role: "manager", manager_id: "top", full_name: "李经理" },
  { id: "r1", role: "sales", manager_id: "m", full_name: "张三" },
  { id: "r2", role: "sales", manager_id: "m", full_name: "赵六", active: false },
  { id: "r3", role: "sales", manager_id: "other", full_name: "孙七" },
  { id: "loop", role: "sales", manager_id: "loop2" }, { id: "loop2", role: "sales", manager_id: "loop" },
  { id: "f", role: "finance", manager_id: null, full_name: "钱会计" },
];

test("my team is everyone below me, subordinates' subordinates too, never across", () => {
  assert.deepEqual(subordinates(users, "top").map((u) => u.id), ["m", "r1", "r2"]);
  assert.deepEqual(subordinates(users, "m").map((u) => u.id), ["r1", "r2"]);
  assert.deepEqual(subordinates(users, "r1"), []);
  assert.deepEqual(subordinates(users, "loop").map((u) => u.id), ["loop2"]);
  assert.deepEqual(teamChoices(users, { id: "m", role: "manager" }).map((u) => u.id), ["m", "r1", "r2"]);
  assert.deepEqual(teamChoices(users, { id: "r1", role: "sales" }).map((u) => u.id), ["r1"]);
  const admin = teamChoices(users, { id: "a", role: "admin" }).map((u) => u.id);
  assert.ok(!admin.includes("f") && admin.includes("r3") && admin.at(-1) === "r2");  // inactive last
});

test("the inbox explains what the caller may not decide, as the API's four-eyes rule does", () => {
  const team = new Set(["r1", "r2"]);
  const manager = { id: "m", role: "manager" };
  assert.equal(orderRefusal({ owner_id: "r1", created_by: "r1" }, manager, team), null);
  assert.equal(orderRefusal({ owner_id: "r1", created_by: "m" }, manager, team), "approvals.own_order");
  assert.equal(orderRefusal({ owner_id: "r3", created_by: "r3" }, manager, team), "approvals.not_your_team");
  assert.equal(orderRefusal({ owner_id: "m", created_by: "x" }, manager, team), "approvals.not_your_team");
  assert.equal(orderRefusal({ owner_id: "r3", created_by: "r3" }, { id: "a", role: "admin" }, new Set()), null);
  assert.equal(orderRefusal({ owner_id: "r3", created_by: "a" }, { id: "a", role: "admin" }, new Set()), "approvals.own_order");
  assert.equal(expenseRefusal({ submitter_id: "m" }, manager, team), "approvals.own_expense");
  assert.equal(expenseRefusal({ submitter_id: "r2" }, manager, team), null);
  assert.equal(largestDiscount({ lines: [{ discount_pct: "5" }, { discount_pct: "32.5" }] }), 32.5);
  assert.equal(largestDiscount({ lines: [] }), 0);
});

test("the dashboard's period defaults to this year and every report scopes to the rep picked", () => {
  assert.deepEqual(period({}, new Date(2026, 10, 30)), { from: "2026-01-01", to: "2026-11-30" });
  assert.deepEqual(period({ from: "2025-03-01", to: "2025-06-30" }), { from: "2025-03-01", to: "2025-06-30" });
  assert.deepEqual(period({ from: "x", to: "2025-06-30" }), { from: "2025-01-01", to: "2025-06-30" });
  const list = reports({ from: "2026-01-01", to: "2026-11-30", owner: "r1", granularity: "month" });
  assert.equal(list.length, 11);
  for (const r of list) {
    assert.equal(r.query.owner_id, "r1", r.key);
    assert.ok(r.path.startsWith("/reports/"), r.key);
    assert.ok(r.list.startsWith("#/"), r.key);
  }
  const perf = list.find((r) => r.key === "sales-performance");
  const s = perf.spec({ items: [{ owner_id: "r1", owner_name: "张三", orders: 2, revenue: "10.00", paid: "5.00" }] });
  assert.deepEqual(s.hrefs, ["#/orders?owner_id=r1"]);
  assert.equal(list.find((r) => r.key === "sales-by-month").query.year, 2026);
  const industry = list.find((r) => r.key === "sales-by-industry").spec({ items: [
    { industry: "批发零售", revenue: "9.00", paid: "1.00", orders: 1, customers: 1 },
    { industry: null, revenue: "2.00", paid: "0.00", orders: 1, customers: 1 }] });
  assert.deepEqual(industry.hrefs, ["#/customers?industry=%E6%89%B9%E5%8F%91%E9%9B%B6%E5%94%AE&owner_id=r1", "#/customers?owner_id=r1"]);
  assert.equal(industry.labels[0], "批发零售");
});

test("at head office every report narrows to the region picked, and a chart compares the regions", () => {
  const plain = reports({ from: "2026-01-01", to: "2026-11-30", owner: "", granularity: "month" });
  assert.ok(plain.every((r) => r.query.region === undefined && r.key !== "regions"));
  const list = reports({ from: "2026-01-01", to: "2026-11-30", owner: "", granularity: "month",
    region: "cn-south", compareRegions: true });
  assert.equal(list.length, 12);
  const [first, ...rest] = list;
  assert.equal(first.key, "regions");
  assert.equal(first.query.region, undefined);  // the comparison shows every region
  for (const r of rest) assert.equal(r.query.region, "cn-south", r.key);
  const s = first.spec({ items: [{ region: "hq", revenue: "10.00", paid: "4.00", outstanding: "6.00", pipeline: "3.00", orders: 1 },
    { region: null, revenue: "1.00", paid: "1.00", outstanding: "0.00", pipeline: "0.00", orders: 1 }] });
  assert.equal(s.labels[0], "hq");
  assert.equal(s.hrefs[0], "#/dashboard?region=hq");
});

test("the managers' catalogue has the same keys in both languages", () => {
  assert.deepEqual(Object.keys(manage.zh).sort(), Object.keys(manage.en).sort());
});
