// Customer projects without a browser: who may decide an application (the API's rule
// mirrored), and the competition / people rows as the API takes them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { projectRefusal, statusOptions } from "../static/js/pages/project-parts.js";
import { competitionBody, peopleBody } from "../static/js/pages/project-form.js";
import { setLang } from "../static/js/i18n.js";

const project = { owner_id: "rep", created_by: "rep" };

test("a manager above the owner or an admin decides; never the owner or author; others not", () => {
  const team = new Set(["rep"]);
  assert.equal(projectRefusal(project, { id: "mgr", role: "manager" }, team), null);
  assert.equal(projectRefusal(project, { id: "adm", role: "admin" }, new Set()), null);
  assert.equal(projectRefusal(project, { id: "mgr2", role: "manager" }, new Set(["x"])), "project.not_your_team");
  assert.equal(projectRefusal(project, { id: "rep2", role: "sales" }, new Set()), "project.not_your_team");
  assert.equal(projectRefusal(project, { id: "rep", role: "sales" }, new Set()), "project.own");
  assert.equal(projectRefusal({ owner_id: "rep", created_by: "mgr" }, { id: "mgr", role: "manager" }, team), "project.own");
});

test("statuses are words in both languages", () => {
  setLang("zh-CN");
  assert.deepEqual(statusOptions().map(([, l]) => l), ["草稿", "待审批", "已立项", "已驳回"]);
  setLang("en");
  assert.deepEqual(statusOptions().map(([, l]) => l), ["Draft", "Awaiting approval", "Approved", "Rejected"]);
  setLang("zh-CN");
});

test("empty rows are left out; the rest are sent trimmed", () => {
  assert.deepEqual(competitionBody([{ name: " 西门子 ", offer: "1150000.00", notes: "" }, { name: "", offer: "", notes: "x" }]),
    [{ name: "西门子", offer: "1150000.00", notes: null }]);
  assert.deepEqual(competitionBody([{ competitor_id: "c1", name: "", offer: "", notes: "老供应商" }]),
    [{ competitor_id: "c1", name: null, offer: null, notes: "老供应商" }]);
  assert.deepEqual(peopleBody([{ contact_id: "", role: "x" }, { contact_id: "k1", role: " 技术决策人 " }]),
    [{ contact_id: "k1", role: "技术决策人" }]);
});
