// Routes and forms without a browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, matchRoute, parseHash } from "../static/js/router.js";
import { bodyFrom, customFieldSpecs, fieldErrors, initialValues } from "../static/js/ui/form.js";

test("routes match with their parameters, most specific first", () => {
  const routes = [{ path: "/customers/new" }, { path: "/customers/:id/edit" }, { path: "/customers/:id" }];
  assert.equal(matchRoute(routes, "/customers/new").route.path, "/customers/new");
  assert.deepEqual(matchRoute(routes, "/customers/ab%20c/edit").params, { id: "ab c" });
  assert.equal(matchRoute(routes, "/customers/x/y"), null);
  assert.deepEqual(compile("/a/:x")("/a/1/"), { x: "1" });
  assert.deepEqual(parseHash("#/customers?q=%E5%8D%8E&page=2"), { path: "/customers", query: { q: "华", page: "2" } });
  assert.deepEqual(parseHash(""), { path: "/", query: {} });
});

test("a form body leaves out empty optional fields, types numbers and gathers custom fields", () => {
  const defs = [{ id: "1", name: "区域", type: "choice", choices: ["华东", "华南"], required: true },
    { id: "2", name: "员工数", type: "number", required: false }];
  const fields = [{ name: "name" }, { name: "phone" }, { name: "qty", type: "integer" }, { name: "vip", type: "checkbox" },
    ...customFieldSpecs(defs)];
  const values = { ...initialValues(fields), name: " 华为 ", qty: "3", cf_1: "华东", cf_2: "120" };
  assert.deepEqual(bodyFrom(fields, values), { name: "华为", qty: 3, vip: false, custom_fields: { 区域: "华东", 员工数: 120 } });
});

test("an edit sends only what changed, a cleared field as null", () => {
  const fields = [{ name: "name" }, { name: "phone" }, { name: "industry" }];
  const initial = initialValues(fields, { name: "A", phone: "1", industry: "IT" });
  assert.deepEqual(bodyFrom(fields, { ...initial, phone: "" , industry: "制造" }, { editing: true, initial }),
    { phone: null, industry: "制造" });
});

test("a 422's details land on their fields, custom fields included", () => {
  const fields = [{ name: "name" }, ...customFieldSpecs([{ id: "9", name: "区域", type: "text" }])];
  const error = { status: 422, details: { name: ["Missing data for required field."], custom_fields: { 区域: ["required"] } } };
  assert.deepEqual(fieldErrors(fields, error), { name: ["Missing data for required field."], cf_9: ["required"] });
  assert.deepEqual(fieldErrors(fields, { status: 409, details: { name: ["x"] } }), {});
});

test("the organisation tree nests people under their managers and survives cycles and missing managers", async () => {
  const { buildTree } = await import("../static/js/pages/admin.js");
  const users = [{ id: "a", role: "admin" }, { id: "m", manager_id: "a" }, { id: "r1", manager_id: "m" },
    { id: "r2", manager_id: "m" }, { id: "x", manager_id: "gone" }, { id: "c1", manager_id: "c2" }, { id: "c2", manager_id: "c1" }];
  const tree = buildTree(users);
  const shape = (nodes) => nodes.map((n) => [n.user.id, shape(n.children)]);
  assert.deepEqual(shape(tree), [["a", [["m", [["r1", []], ["r2", []]]]]], ["x", []]]);
});


test("a search total counted only up to 10,000 reads 10,000+ and keeps the next page open while pages are full", async () => {
  const { pagerState } = await import("../static/js/ui/list.js");
  const { setLang } = await import("../static/js/i18n.js");
  setLang("zh-CN");
  const estimated = pagerState({ page: 200, perPage: 50, total: 10000, estimate: true, full: true });
  assert.equal(estimated.totalText, "10,000+ 条");
  assert.equal(estimated.pageText, "第 200 / 200+ 页");
  assert.equal(estimated.more, true);
  assert.equal(pagerState({ page: 201, perPage: 50, total: 10020, estimate: true, full: false }).more, false);
  const exact = pagerState({ page: 2, perPage: 50, total: 100 });
  assert.deepEqual([exact.totalText, exact.more], ["共 100 条", false]);
  setLang("en");
  assert.equal(pagerState({ page: 1, perPage: 50, total: 10000, estimate: true }).totalText, "10,000+ found");
  assert.equal(pagerState({ page: 1, perPage: 50, total: 10000 }).totalText, "10,000 in all");
  setLang("zh-CN");
});
