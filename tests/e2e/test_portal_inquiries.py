"""Purchase inquiries in the portal through the whole suite (issue 16.4): the warehouse asks
two suppliers for two products, enters both offers (one without valves), compares them (the
cheapest complete offer marked) and places the purchase order from it; English at phone width
shows the comparison."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.portal_browser import (
    PHONE,
    By,
    catalogues,
    chromium,
    click_text,
    field,
    log_in,
    needs_chromium,
    page_width,
    replace_text,
    screenshot,
    script_errors,
    text_in,
    title_is,
    visible,
    wait,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


def pick(d, box, text: str) -> None:
    box.send_keys(text)
    option = wait(d, lambda x: next((o for o in x.find_elements(By.CSS_SELECTOR, ".picker-options li[role=option]")
                                     if text in o.text and o.is_displayed()), None))
    option.click()


def test_the_warehouse_compares_two_offers_and_orders_from_the_cheaper(suite, admin, tmp_path):
    from selenium.webdriver.support.ui import Select

    zh = catalogues()["zh"]
    tag = uuid.uuid4().hex[:6]
    keeper = admin.create_user("warehouse")
    wh = admin.post("/warehouses", json={"code": f"XJ{tag}", "name": f"询价仓{tag}"}).json()
    pump = admin.post("/products", json={"sku": f"XJP-{tag}", "name": f"离心泵{tag}", "unit": "台", "list_price": "900.00"}).json()
    valve = admin.post("/products", json={"sku": f"XJV-{tag}", "name": f"闸阀{tag}", "unit": "个", "list_price": "150.00"}).json()
    cheap = keeper.post("/suppliers", json={"name": f"恒通机电{tag}"}).json()
    dear = keeper.post("/suppliers", json={"name": f"华东泵业{tag}"}).json()
    with chromium(tmp_path / "keeper") as d:
        log_in(d, suite.url, keeper.user["username"], PASSWORD, route="#/purchase-inquiries")
        title_is(d, zh["inquiry.title"])
        click_text(d, zh["inquiry.new"])
        pick(d, field(d, zh["po.warehouse"]), f"XJ{tag}")
        for name in (cheap["name"], dear["name"]):
            box = visible(d, '[data-testid="inquiry-suppliers"]')
            box.find_element(By.XPATH, f".//label[contains(., '{name}')]/input").click()
        rows = lambda: d.find_elements(By.CSS_SELECTOR, ".lines-table tbody tr")  # noqa: E731
        pick(d, rows()[0].find_element(By.CSS_SELECTOR, "input"), f"XJP-{tag}")
        replace_text(rows()[0].find_element(By.CSS_SELECTOR, "input[inputmode=numeric]"), "10")
        click_text(d, zh["lines.add"])
        pick(d, rows()[1].find_element(By.CSS_SELECTOR, "input"), f"XJV-{tag}")
        replace_text(rows()[1].find_element(By.CSS_SELECTOR, "input[inputmode=numeric]"), "4")
        click_text(d, zh["inquiry.send"], "form button[type=submit]")
        visible(d, '[data-testid="inquiry-status"][data-status="open"]')

        def enter(supplier: str, prices: dict[str, tuple[str, str]]) -> None:
            Select(visible(d, "#offer-supplier")).select_by_visible_text(supplier)
            for pid, (price, lead) in prices.items():
                row = visible(d, f'[data-testid="offer-form"] tr[data-product="{pid}"]')
                replace_text(row.find_element(By.NAME, "unit_price"), price)
                replace_text(row.find_element(By.NAME, "lead_days"), lead)
            click_text(d, zh["inquiry.save_offer"], '[data-testid="offer-form"] button[type=submit]')
            text_in(d, f'[data-testid="inquiry-compare"] tr[data-supplier="{supplier}"]', "¥")

        enter(dear["name"], {pump["id"]: ("880.00", "7"), valve["id"]: ("140.00", "7")})   # 9,360.00
        enter(cheap["name"], {pump["id"]: ("850.00", "15"), valve["id"]: ("150.00", "15")})  # 9,100.00
        best = visible(d, f'[data-testid="inquiry-compare"] tr.best[data-supplier="{cheap["name"]}"]')
        assert "¥9,100.00" in best.text and zh["inquiry.cheapest"] in best.text and "15 天" in best.text
        text_in(d, f'[data-testid="inquiry-compare"] tr[data-supplier="{dear["name"]}"]', "¥9,360.00")
        screenshot(d, "inquiry-compare-zh", full_height=True)
        best.find_element(By.XPATH, f".//button[contains(., '{zh['inquiry.order']}')]").click()
        click_text(d, zh["inquiry.order"], ".modal button[type=submit]")
        wait(d, lambda x: "#/purchase-orders/" in x.current_url)
        text_in(d, "main", "¥9,100.00")
        assert script_errors(d) == []
    [inquiry] = [i for i in keeper.get("/purchase-inquiries", params={"supplier_id": cheap["id"]}).json()["items"]]
    assert inquiry["status"] == "ordered" and inquiry["ordered_supplier_id"] == cheap["id"]
    po = keeper.get(f"/purchase-orders/{inquiry['purchase_order_id']}").json()
    assert (po["supplier_id"], po["warehouse_id"], po["total"]) == (cheap["id"], wh["id"], "9100.00")

    with chromium(tmp_path / "phone", size=PHONE) as d:
        log_in(d, suite.url, keeper.user["username"], PASSWORD, route=f"#/purchase-inquiries/{inquiry['id']}")
        d.execute_script("localStorage.setItem('crm.lang', 'en')")
        d.refresh()
        visible(d, '[data-testid="inquiry-status"][data-status="ordered"]')
        text_in(d, '[data-testid="inquiry-compare"]', "Cheapest")
        assert not d.find_elements(By.CSS_SELECTOR, '[data-testid="offer-form"]')  # closed: no more offers
        assert page_width(d) <= PHONE[0]
        screenshot(d, "inquiry-ordered-en-phone", full_height=True)
        assert script_errors(d) == []
