"""The back office's main paths in real headless Chromium against the whole suite (issue 14):
finance records a USD payment (its CNY value shown before saving, as the server computes it)
and sees the customer's receivables change; the warehouse ships part of an order and the
order becomes partially shipped; an administrator imports a CSV of customers and watches the
progress reach 100%."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    By,
    catalogues,
    chromium,
    click_text,
    field,
    log_in,
    needs_chromium,
    replace_text,
    screenshot,
    script_errors,
    text_in,
    title_is,
    type_into,
    visible,
    wait,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def words():
    return catalogues()["zh"]


@pytest.fixture(scope="module")
def shop(admin):
    """A rep with a confirmed order of two lines (3 pumps, 5 valves) in a stocked warehouse."""
    tag = uuid.uuid4().hex[:6]
    rep = admin.create_user("sales")
    wh = admin.post("/warehouses", json={"code": f"BO{tag}", "name": f"后台仓{tag}"}).json()
    products = [admin.post("/products", json={"sku": f"BO-{i}-{tag}", "name": name, "unit": "台", "list_price": price}).json()
                for i, (name, price) in enumerate(((f"离心泵{tag}", "1000.00"), (f"闸阀{tag}", "200.00")))]
    assert admin.post("/stock/receipts", json={"warehouse_id": wh["id"], "lines": [
        {"product_id": p["id"], "quantity": 100} for p in products]}).status_code == 201
    customer = rep.post("/customers", json={"name": f"后台测试{tag}有限公司"}).json()
    order = eventually(lambda: (r := rep.post("/orders", json={"customer_id": customer["id"], "lines": [
        {"product_id": products[0]["id"], "quantity": 3, "tax_rate": "13"},
        {"product_id": products[1]["id"], "quantity": 5, "tax_rate": "13"}]})).status_code == 201 and r.json(), timeout=20)
    eventually(lambda: rep.get(f"/orders/{order['id']}").json()["status"] == "confirmed", timeout=30)
    return {"rep": rep, "customer": customer, "order": rep.get(f"/orders/{order['id']}").json(), "tag": tag}


def test_finance_records_a_usd_payment_and_sees_receivables_change(suite, admin, shop, words, tmp_path):
    finance = admin.create_user("finance")
    order, customer = shop["order"], shop["customer"]
    assert finance.post("/invoices", json={"order_id": order["id"], "amount": order["gross"]}).status_code == 201
    # a USD rate (other modules of the shared suite may have stored one for the day already)
    rate = finance.post("/exchange-rates", json={"currency": "USD", "rate_to_cny": "7.1234", "date": "2026-01-01"})
    assert rate.status_code in (201, 409), rate.text
    before = eventually(lambda: next((r for r in finance.get("/receivables", params={"customer_id": customer["id"]}).json()["items"]), None))
    with chromium(tmp_path / "finance") as d:
        log_in(d, suite.url, finance.user["username"], PASSWORD, route=f"#/payments/new?order_id={order['id']}")
        title_is(d, words["payments.new"])
        wait(d, lambda x: order["number"] in field(x, words["invoice.order"]).get_attribute("value"))
        type_into(d, words["payment.amount"], "100.00")
        from selenium.webdriver.support.ui import Select
        Select(field(d, words["payment.currency"])).select_by_visible_text("USD")
        Select(field(d, words["payment.method"])).select_by_visible_text(words["method.bank_transfer"])
        server = finance.get("/exchange-rates/convert", params={"currency": "USD", "amount": "100.00"}).json()
        hint = visible(d, "[data-cny]")
        assert hint.get_attribute("data-cny") == server["amount_cny"]
        assert f"¥{Decimal(server['amount_cny']):,.2f}" in hint.text
        click_text(d, words["action.save"], "form button[type=submit]")
        # the list's title "收款" is inside the form's "登记收款": wait for the list's address too,
        # or the page's own move to the list (after its save answers) can undo the move below
        wait(d, lambda x: x.current_url.endswith("#/payments"))
        title_is(d, words["payments.title"])
        after = eventually(lambda: (r := finance.get("/receivables", params={"customer_id": customer["id"]}).json()["items"][0])
                           and Decimal(r["paid"]) > Decimal(before["paid"]) and r)
        assert Decimal(after["paid"]) - Decimal(before["paid"]) == Decimal(server["amount_cny"])
        d.get(f"{suite.url}/#/finance")
        title_is(d, words["finance.receivables"])
        text_in(d, "table.list", customer["name"])
        text_in(d, "table.list", f"¥{Decimal(after['outstanding']):,.2f}")
        screenshot(d, "back-office-finance-receivables-zh")
        assert script_errors(d) == []


def test_finance_enters_an_opening_balance_for_a_customer_found_by_name(suite, admin, shop, words, tmp_path):
    """A customer from before the system, with nothing billed yet: finance finds it by name
    (finance never reads the customer itself) and enters what it owed; the list shows it."""
    finance = admin.create_user("finance")
    tag = uuid.uuid4().hex[:6]
    old = shop["rep"].post("/customers", json={"name": f"老客户{tag}贸易公司"}).json()
    eventually(lambda: finance.get("/receivables", params={"q": f"老客户{tag}"}).json()["total"] == 1)
    with chromium(tmp_path / "opening") as d:
        log_in(d, suite.url, finance.user["username"], PASSWORD, route="#/finance/opening")
        title_is(d, words["opening.title"])
        click_text(d, words["opening.new"])
        picker = field(d, words["finance.customer"])
        picker.send_keys(f"老客户{tag}")
        option = visible(d, ".picker-options li[role=option]")
        assert option.text == old["name"]
        option.click()
        type_into(d, words["finance.opening"], "12345.60")
        screenshot(d, "back-office-opening-balance-form-zh")
        click_text(d, words["action.save"], "form button[type=submit]")
        text_in(d, "table.list", old["name"])
        text_in(d, "table.list", "¥12,345.60")
        assert script_errors(d) == []
    row = finance.get("/receivables", params={"customer_id": old["id"]}).json()["items"][0]
    assert (row["opening_balance"], row["outstanding"]) == ("12345.60", "12345.60")


def test_the_warehouse_ships_part_of_an_order(suite, admin, shop, words, tmp_path):
    keeper = admin.create_user("warehouse")
    order = shop["order"]
    with chromium(tmp_path / "warehouse") as d:
        log_in(d, suite.url, keeper.user["username"], PASSWORD, route="#/warehouse")
        title_is(d, words["ship.queue"])
        # the queue runs by delivery date, then first come first served: the warehouse looks the order up
        search = visible(d, "input[data-list-filter]")
        search.send_keys(order["number"])
        click_text(d, order["number"], "table.list a")
        title_is(d, order["number"])
        rows = wait(d, lambda x: x.find_elements(By.CSS_SELECTOR, "form tr[data-product]"))
        quantity = rows[0].find_element(By.CSS_SELECTOR, "input")
        replace_text(quantity, "99")  # more than is left: refused, the remaining shown
        click_text(d, words["ship.submit"], "form button[type=submit]")
        text_in(d, ".form-error", "99")
        replace_text(quantity, "1")
        for row in rows[1:]:
            other = row.find_element(By.CSS_SELECTOR, "input")
            replace_text(other, "0")
        type_into(d, words["ship.carrier"], "顺丰速运")
        type_into(d, words["ship.tracking"], f"SF{shop['tag']}")
        click_text(d, words["ship.submit"], "form button[type=submit]")
        visible(d, "[data-status=partially_shipped]", 30)
        assert keeper.get(f"/orders/{order['id']}").json()["status"] == "partially_shipped"
        [shipment] = keeper.get("/shipments", params={"order_id": order["id"]}).json()["items"]
        assert shipment["carrier"] == "顺丰速运" and sum(line["quantity"] for line in shipment["lines"]) == 1
        screenshot(d, "back-office-warehouse-ship-zh")
        assert script_errors(d) == []


def test_an_admin_imports_customers_and_watches_the_progress(suite, admin, words, tmp_path):
    tag = uuid.uuid4().hex[:6]
    rows = ["客户名称,电话,联系人,备注"] + [f"导入测试{tag}公司{i:03d},021-{i:04d},联系人{i},x" for i in range(120)] + [",没有名称,,"]
    upload = tmp_path / f"customers-{tag}.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with chromium(tmp_path / "admin") as d:
        log_in(d, suite.url, "admin", suite.admin_password, route="#/imports")
        title_is(d, words["imports.title"])
        d.find_element(By.ID, "import-file").send_keys(str(upload))
        text_in(d, ".preview", f"导入测试{tag}公司000")
        text_in(d, ".preview", "备注")  # the ignored column is named
        click_text(d, words["imports.start"], ".preview button")
        bar = visible(d, "[role=progressbar]")
        wait(d, lambda x: bar.get_attribute("aria-valuenow") == "100", 60)
        text_in(d, "[data-count=created]", "120", 30)
        text_in(d, "[data-count=errors]", "1")
        screenshot(d, "back-office-admin-import-zh")
        assert script_errors(d) == []
    assert admin.get("/customers", params={"q": f"导入测试{tag}"}).json()["total"] == 120
