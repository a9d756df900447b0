"""Issue 16.4 in the portal through the whole suite: a rep places an order with a deep
discount, freight and a requested delivery date (Chinese); it waits for approval, so the rep
edits it (a smaller discount, an installation fee) and it goes on to the warehouse and is
confirmed with the server's totals; the warehouse's queue (English) is sorted by the
delivery date with an overdue order marked; the order page on a phone (390 px)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    PHONE,
    By,
    chromium,
    click_text,
    log_in,
    needs_chromium,
    page_width,
    pick_product,
    screenshot,
    script_errors,
    set_date,
    set_field,
    text_in,
    visible,
    wait,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


def money(amount: str) -> str:
    return f"¥{Decimal(amount):,.2f}"


def test_an_order_with_fees_is_edited_before_approval_and_shipped_by_its_date(suite, admin, tmp_path):
    tag = uuid.uuid4().hex[:6]
    manager = admin.create_user("manager", full_name=f"订单经理{tag}")
    rep = admin.create_user("sales", manager_id=manager.user["id"], full_name=f"订单业务员{tag}")
    keeper = admin.create_user("warehouse", full_name=f"仓管{tag}")
    sku = f"OF-{tag}"
    product = admin.post("/products", json={"sku": sku, "name": f"费用泵{tag}", "unit": "台", "list_price": "100.00"}).json()
    wh = admin.post("/warehouses", json={"code": f"OF{tag}", "name": f"费用仓 {tag}"}).json()
    assert admin.post("/stock/receipts", json={"warehouse_id": wh["id"], "lines": [
        {"product_id": product["id"], "quantity": 50}]}).status_code == 201
    customer = rep.post("/customers", json={"name": f"交货期{tag}有限公司"}).json()
    # an older order whose date has passed, placed through the API: the queue marks it overdue
    late = eventually(lambda: (r := rep.post("/orders", json={
        "customer_id": customer["id"], "delivery_date": "2026-01-05", "warehouse_id": wh["id"],
        "lines": [{"product_id": product["id"], "quantity": 1, "tax_rate": "13"}]})).status_code == 201 and r.json(),
        timeout=20)

    with chromium(tmp_path / "rep") as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route=f"#/orders/new?customer_id={customer['id']}")
        row = visible(d, "[data-testid=quote-line]")
        pick_product(d, row, sku)
        wait(d, lambda _d: row.find_element(By.NAME, "unit_price").get_attribute("value") == "100.00")
        set_field(row, "quantity", "2")
        set_field(row, "discount_pct", "40")
        set_date(d, "要求交货日期", "2027-01-20")
        d.find_element(By.CSS_SELECTOR, "[data-testid=line-dates] summary").click()
        set_date(d, "第 1 行 交货日期", "2027-01-12")
        d.find_element(By.CSS_SELECTOR, "[data-testid=add-fee]").click()
        fee = visible(d, "[data-testid=fee-row]")
        set_field(fee, "fee_amount", "50.00")
        set_field(fee, "fee_description", "顺丰到付")
        text_in(d, ".fees-editor", "运费")
        # the live totals are the server's, fees included; the deep discount will wait for approval
        text_in(d, "[data-total=gross]", money("192.10"))
        visible(d, "[data-testid=needs-approval]")
        screenshot(d, "order-fees-form-zh", full_height=True)
        click_text(d, "提交订单", "button[type=submit]")
        wait(d, lambda x: "#/orders/" in x.current_url and not x.current_url.endswith("/new")
             and "?" not in x.current_url.split("#")[1])
        order_id = d.current_url.split("#/orders/")[1]
        visible(d, "[data-testid=order-status][data-status=pending_approval]")
        fees = visible(d, "[data-testid=order-fees]")
        assert "运费" in fees.text and "顺丰到付" in fees.text and money("56.50") in fees.text
        text_in(d, "[data-total=gross]", money("192.10"))  # 2 x 60.00 + 13%; freight 50.00 + 13%
        text_in(d, "[data-testid=line-delivery]", "2027/01/12")
        # held: the rep edits it (10% off, an installation fee) and it needs no approval any more
        d.execute_script("window.scrollTo(0, 0)")  # the form left the page scrolled: the header's button under the top bar
        click_text(d, "修改订单", "[data-testid=order-edit]")
        visible(d, "[data-testid=edit-hint]")
        row = wait(d, lambda x: (rows := x.find_elements(By.CSS_SELECTOR, "[data-testid=quote-line]")) and rows[0])
        wait(d, lambda _d: row.find_element(By.NAME, "discount_pct").get_attribute("value") == "40")
        set_field(row, "discount_pct", "10")
        d.find_element(By.CSS_SELECTOR, "[data-testid=add-fee]").click()
        second = wait(d, lambda x: (rows := x.find_elements(By.CSS_SELECTOR, "[data-testid=fee-row]")) and len(rows) == 2
                      and rows[1])
        from selenium.webdriver.support.ui import Select
        Select(second.find_element(By.NAME, "fee_kind")).select_by_visible_text("安装费")
        set_field(second, "fee_amount", "100.00")
        set_field(second, "fee_tax_rate", "6")
        text_in(d, "[data-total=gross]", money("365.90"))
        wait(d, lambda x: not x.find_elements(By.CSS_SELECTOR, "[data-testid=needs-approval]"))
        screenshot(d, "order-edit-zh", full_height=True)
        click_text(d, "保存修改", "button[type=submit]")
        wait(d, lambda x: x.current_url.endswith(f"#/orders/{order_id}"))
        # 2 x 90.00 = 180.00 + 23.40; freight 56.50; installation 106.00
        text_in(d, "[data-total=gross]", money("365.90"))
        visible(d, "[data-testid=order-status][data-status=confirmed]", timeout=40)
        assert len(d.find_elements(By.CSS_SELECTOR, "[data-testid=order-fee]")) == 2
        click_text(d, "详细信息", "[role=tab]")
        text_in(d, "[data-testid=order-delivery]", "2027")
        assert not d.find_elements(By.CSS_SELECTOR, "[data-testid=order-edit]")  # confirmed: no more edits
        screenshot(d, "order-fees-page-zh", full_height=True)
        assert script_errors(d) == []
    order = rep.get(f"/orders/{order_id}").json()
    assert (order["gross"], order["delivery_date"], order["status"]) == ("365.90", "2027-01-20", "confirmed")
    assert order["lines"][0]["delivery_date"] == "2027-01-12"  # kept through the edit
    assert [f["kind"] for f in order["fees"]] == ["freight", "installation"]
    eventually(lambda: rep.get(f"/orders/{late['id']}").json()["status"] == "confirmed", timeout=30)

    with chromium(tmp_path / "keeper", lang="en") as d:
        log_in(d, suite.url, keeper.user["username"], PASSWORD, route=f"#/warehouse?warehouse_id={wh['id']}")
        d.execute_script("localStorage.setItem('crm.lang', 'en')")
        d.refresh()
        late_row = visible(d, f"a[href='#/warehouse/ship/{late['id']}']")
        wait(d, lambda x: x.find_elements(By.CSS_SELECTOR, "[data-testid=overdue]"))
        text = d.find_element(By.TAG_NAME, "body").text
        assert "Overdue" in text and "Deliver by" in text
        assert text.index(late["number"]) < text.index(order["number"])  # the earlier date first
        assert late_row is not None
        screenshot(d, "ship-queue-delivery-en", full_height=True)
        assert script_errors(d) == []

    with chromium(tmp_path / "phone", size=PHONE) as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route=f"#/orders/{order_id}")
        visible(d, "[data-testid=order-fees]")
        text_in(d, "[data-total=gross]", money("365.90"))
        assert page_width(d) <= PHONE[0]
        screenshot(d, "order-fees-page-zh-phone", full_height=True)
        assert script_errors(d) == []
