"""The real 发票 number in the portal (issue 16), in headless Chromium, in both languages and at
390 px: finance issues an invoice with the number printed on the fapiao (the form says to leave
it empty for the automatic number), sees it in the list marked as entered by hand, and is told
in words when the same number is entered again."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    PHONE,
    catalogues,
    chromium,
    click_text,
    field,
    log_in,
    page_width,
    screenshot,
    script_errors,
    text_in,
    title_is,
    type_into,
    wait,
)
from tests.e2e.portal_browser import (
    needs_chromium as _needs_chromium,
)

pytestmark = [pytest.mark.e2e, _needs_chromium]
PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def words():
    return catalogues()


@pytest.fixture(scope="module")
def order(admin):
    tag = uuid.uuid4().hex[:6]
    rep = admin.create_user("sales")
    wh = admin.post("/warehouses", json={"code": f"FP{tag}", "name": f"发票仓{tag}"}).json()
    product = admin.post("/products", json={"sku": f"FP-{tag}", "name": f"水泵{tag}", "unit": "台",
                                            "list_price": "1000.00"}).json()
    assert admin.post("/stock/receipts", json={"warehouse_id": wh["id"], "lines": [
        {"product_id": product["id"], "quantity": 50}]}).status_code == 201
    customer = rep.post("/customers", json={"name": f"发票测试{tag}有限公司"}).json()
    made = eventually(lambda: (r := rep.post("/orders", json={"customer_id": customer["id"], "lines": [
        {"product_id": product["id"], "quantity": 9, "tax_rate": "13"}]})).status_code == 201 and r.json(), timeout=20)
    eventually(lambda: rep.get(f"/orders/{made['id']}").json()["status"] == "confirmed", timeout=30)
    return rep.get(f"/orders/{made['id']}").json()


@pytest.mark.parametrize(("lang", "size"), [("zh", None), ("en", None), ("zh", PHONE)])
def test_finance_records_the_fapiao_number(suite, admin, order, words, lang, size, tmp_path):
    w = words[lang]
    tag = f"{lang}-{'phone' if size else 'desk'}"
    finance = admin.create_user("finance", username=f"fin_fp_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    real = f"{uuid.uuid4().int % 10**20:020d}"
    kwargs = {"lang": "zh-CN" if lang == "zh" else "en-US"}
    if size:
        kwargs["size"] = size
    with chromium(tmp_path / "profile", **kwargs) as d:
        log_in(d, suite.url, finance.user["username"], PASSWORD, f"#/invoices/new?order_id={order['id']}")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        title_is(d, w["invoices.new"])
        wait(d, lambda x: order["number"] in field(x, w["invoice.order"]).get_attribute("value"))
        text_in(d, "form", w["invoice.number_hint"])
        assert field(d, w["invoice.number"]).get_attribute("placeholder") == w["invoice.number_placeholder"]
        type_into(d, w["invoice.amount"], "100.00")
        type_into(d, w["invoice.number"], real)
        screenshot(d, f"invoice-number-form-{tag}", full_height=True)
        click_text(d, w["action.save"], "form button[type=submit]")
        wait(d, lambda x: x.current_url.endswith("#/invoices"))
        title_is(d, w["invoices.title"])
        text_in(d, "main", real)
        text_in(d, "main", w["invoice.manual"])
        screenshot(d, f"invoice-number-list-{tag}")

        d.get(f"{suite.url}/#/invoices/new?order_id={order['id']}")
        title_is(d, w["invoices.new"])
        wait(d, lambda x: order["number"] in field(x, w["invoice.order"]).get_attribute("value"))
        type_into(d, w["invoice.amount"], "1.00")
        type_into(d, w["invoice.number"], real)
        click_text(d, w["action.save"], "form button[type=submit]")
        text_in(d, ".form-error", w["error.duplicate_invoice_number"])
        screenshot(d, f"invoice-number-taken-{tag}", full_height=True)
        if size:
            assert page_width(d) <= size[0] + 1
        assert not script_errors(d)
    mine = [i for i in finance.get("/invoices", params={"order_id": order["id"], "per_page": 200}).json()["items"]
            if i["number"] == real]
    assert [(i["number_source"], i["amount"]) for i in mine] == [("manual", "100.00")]
