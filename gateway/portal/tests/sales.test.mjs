// The sales screens' helpers without a browser: which lines go to the API, where a 422's
// per-line details land, reasons in the user's language, the sales catalogue's words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { label, setLang, t } from "../static/js/i18n.js";
import { apiLines, lineErrors, lineFrom, newLine } from "../static/js/pages/sales-lines.js";
import { STAGES, reasonText } from "../static/js/pages/sales-common.js";

test("every line with a product goes to the API, values as typed (the server judges them)", () => {
  const lines = [
    newLine({ product_id: "p1", quantity: "3", unit_price: "", discount_pct: "7.5" }),
    newLine({ product_id: "", quantity: "2" }),
    newLine({ product_id: "p2", quantity: "1.5" }),
    newLine({ product_id: "p3", quantity: " 2 ", unit_price: "855.55", discount_pct: "", tax_rate: "0" }),
  ];
  const { body, rows } = apiLines(lines);
  assert.deepEqual(body, [
    { product_id: "p1", quantity: 3, discount_pct: "7.5", tax_rate: "13" },
    { product_id: "p2", quantity: "1.5", discount_pct: "0", tax_rate: "13" },
    { product_id: "p3", quantity: 2, unit_price: "855.55", tax_rate: "0" },
  ]);
  assert.deepEqual(rows, [0, 2, 3]);
});

test("a 422's line details land on the rows they came from", () => {
  const error = { status: 422, details: { lines: { 1: { unit_price: ["must have at most two decimal places"] } } } };
  assert.deepEqual(lineErrors(error, [0, 3]), { 3: { unit_price: ["must have at most two decimal places"] } });
  assert.deepEqual(lineErrors({ status: 422, details: { lines: ["at least one"] } }, [0]), {});
  assert.deepEqual(lineErrors(null, []), {});
});

test("an API line becomes an editable one", () => {
  const line = lineFrom({ product_id: "p", quantity: 4, unit_price: "10.00", discount_pct: "5", tax_rate: "13", net: "38.00" });
  assert.equal(line.quantity, "4");
  assert.equal(line.unit_price, "10.00");
  assert.ok(line.key > 0 && line.net === undefined);
});

test("reasons and stages are words in the chosen language", () => {
  setLang("zh-CN");
  assert.equal(reasonText("库存不足 (insufficient stock)"), "库存不足");
  assert.equal(reasonText("客户取消"), "客户取消");
  assert.equal(t("quote.convert"), "转为订单");
  setLang("en");
  assert.equal(reasonText("库存不足 (insufficient stock)"), "insufficient stock");
  assert.equal(t("quote.convert"), "Convert to order");
  for (const s of STAGES) assert.notEqual(label("stage", s), s);
  setLang("zh-CN");
});
