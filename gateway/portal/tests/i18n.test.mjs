// Building blocks without a browser: catalogues, money and number formats, error words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { decimal, errorText, label, mergeCatalogues, money, setLang, t } from "../static/js/i18n.js";

const catalogueDir = new URL("../static/js/i18n/", import.meta.url);

test("every catalogue has the same keys in Chinese and English, none empty", async () => {
  for (const file of readdirSync(catalogueDir)) {
    const { default: cat } = await import(new URL(file, catalogueDir));
    const zh = Object.keys(cat.zh).sort();
    const en = Object.keys(cat.en).sort();
    assert.deepEqual(zh.filter((k) => !en.includes(k)), [], `${file}: keys only in Chinese`);
    assert.deepEqual(en.filter((k) => !zh.includes(k)), [], `${file}: keys only in English`);
    for (const [k, v] of [...Object.entries(cat.zh), ...Object.entries(cat.en)]) assert.ok(String(v).trim(), `${file}: ${k} is empty`);
  }
});

test("money is exact on decimal strings: yuan sign, thousands separators, two decimals", () => {
  assert.equal(money("1234.5"), "¥1,234.50");
  assert.equal(money("1234567890123456789.99"), "¥1,234,567,890,123,456,789.99");
  assert.equal(money("0"), "¥0.00");
  assert.equal(money("-12.3"), "-¥12.30");
  assert.equal(money("0.005"), "¥0.01");
  assert.equal(money("2.675"), "¥2.68"); // a float would say 2.67
  assert.equal(money("10", "USD"), "USD 10.00");
  assert.equal(money(""), "");
  assert.equal(decimal("-0.001"), "0.00");
  assert.equal(decimal("999.995"), "1,000.00");
});

test("codes become words in the chosen language; unknown codes stay readable", () => {
  setLang("zh-CN");
  assert.equal(label("order_status", "pending_approval"), "待审批");
  assert.equal(label("stage", "negotiation"), "谈判审核");
  setLang("en");
  assert.equal(label("order_status", "pending_approval"), "Awaiting approval");
  assert.equal(label("quote_status", "never_heard_of"), "never_heard_of");
  setLang("zh-CN");
});

test("placeholders are filled and later catalogues add keys", () => {
  mergeCatalogues({ zh: { "x.hello": "你好，{name}" }, en: { "x.hello": "Hello, {name}" } });
  assert.equal(t("x.hello", { name: "张三" }), "你好，张三");
  setLang("en");
  assert.equal(t("x.hello", { name: "Li" }), "Hello, Li");
  setLang("zh-CN");
});

test("API errors are shown in words, never codes or HTTP statuses", () => {
  setLang("zh-CN");
  assert.equal(errorText({ status: 409, code: "duplicate_customer" }), "已存在同名客户。");
  assert.equal(errorText({ status: 422, code: "validation_failed" }), "有字段填写不正确，请检查。");
  assert.equal(errorText({ status: 418, code: "teapot" }), "操作失败，请稍后重试。");
  assert.equal(errorText({ status: 0, code: "network" }), "无法连接服务器，请检查网络后重试。");
  for (const status of [400, 403, 404, 409, 413, 429, 500, 503]) {
    const text = errorText({ status, code: "some_new_code" });
    assert.doesNotMatch(text, /\d{3}|_/, `${status}: ${text}`);
  }
});
