// Campaigns without a browser: the status moves offered are the API's, a mailing's progress
// reads as words in both languages, the catalogue has the same keys in both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MOVES, progressText } from "../static/js/pages/campaign-parts.js";
import { label, mergeCatalogues, setLang } from "../static/js/i18n.js";
import cat from "../static/js/i18n/campaigns.js";

mergeCatalogues(cat);

test("the moves offered are the API's flow: planned -> active -> completed, or cancelled", () => {
  assert.deepEqual(MOVES, { planned: ["active", "cancelled"], active: ["completed", "cancelled"], completed: [], cancelled: [] });
});

test("a mailing's progress and the codes read as words", () => {
  const job = { processed: 3, total: 5, sent: 1, skipped: 1, bounced: 1 };
  setLang("zh-CN");
  assert.equal(progressText(job), "已处理 3 / 5：发送 1，跳过 1，退信 1");
  assert.equal(label("campaign_kind", "clearance"), "清仓处理");
  setLang("en");
  assert.equal(progressText(job), "3 of 5 done: 1 sent, 1 skipped, 1 bounced");
  assert.equal(label("campaign_status", "completed"), "Completed");
  setLang("zh-CN");
});

test("the campaigns catalogue has the same keys in both languages", () => {
  assert.deepEqual(Object.keys(cat.zh).sort(), Object.keys(cat.en).sort());
});
