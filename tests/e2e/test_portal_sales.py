"""The portal's sales screens in headless Chromium (Debian's chromium + chromedriver)
against the whole suite: an opportunity dragged to another stage on the board is saved
(and a won one dragged away is put back with a message, the API refusing it); a quote built
in the editor with two lines (discount, 13% tax) shows the server's totals to the cent, is
saved, sent and converted, and the order page shows the order become confirmed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import DRAG, pick_product, set_field

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 15

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)"),
]

if CHROMIUM.exists():
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

# HTML5 drag and drop as a browser does it (chromedriver's pointer actions do not fire
# drag events): dragstart on the card, dragover and drop on the column, one DataTransfer.


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--lang=zh-CN", "--window-size=1366,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-sales')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, timeout: float = WAIT_S):
    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def visible(driver, css: str, timeout: float = WAIT_S):
    return wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)


def money(amount: str) -> str:
    return f"¥{Decimal(amount):,.2f}"


@pytest.fixture(scope="module")
def world(suite, admin):
    """A rep with a customer, two stocked products, an open and a won opportunity."""
    tag = uuid.uuid4().hex[:6]
    password = "pass-word-1"
    username = f"psales_{tag}"
    rep = admin.create_user("sales", username=username, password=password, full_name="李销售")
    wh = admin.post("/warehouses", json={"code": f"PS{tag}", "name": f"华东仓 {tag}"})
    assert wh.status_code == 201, wh.text
    products = []
    for sku, name, price in ((f"PS-PUMP-{tag}", f"离心泵{tag}", "12800.00"), (f"PS-VLV-{tag}", f"闸阀{tag}", "860.50")):
        r = admin.post("/products", json={"sku": sku, "name": name, "unit": "台", "list_price": price})
        assert r.status_code == 201, r.text
        products.append(r.json())
    r = admin.post("/stock/receipts", json={"warehouse_id": wh.json()["id"],
                                            "lines": [{"product_id": p["id"], "quantity": 500} for p in products]})
    assert r.status_code == 201, r.text
    customer = rep.post("/customers", json={"name": f"上海华东机电设备有限公司{tag}"})
    assert customer.status_code == 201, customer.text
    customer = customer.json()

    def opportunity(name: str, stage: str) -> dict:
        r = rep.post("/opportunities", json={"customer_id": customer["id"], "name": name, "amount": "50000.00", "stage": stage})
        return r.json() if r.status_code == 201 else None

    open_opp = eventually(lambda: opportunity(f"泵站改造{tag}", "qualification"), timeout=20)
    won_opp = opportunity(f"备件采购{tag}", "won")
    # the products reach the sales service's copy by events
    eventually(lambda: rep.post("/quotes/preview", json={"customer_id": customer["id"], "lines": [
        {"product_id": p["id"], "quantity": 1} for p in products]}).status_code == 200, timeout=20)
    return {"rep": rep, "username": username, "password": password, "customer": customer, "products": products,
            "open": open_opp, "won": won_opp}


def test_log_in(suite, world, browser):
    browser.get(suite.url + "/#/pipeline")
    visible(browser, "#login-username").send_keys(world["username"])
    browser.find_element(By.ID, "login-password").send_keys(world["password"])
    browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    visible(browser, "[data-testid=kanban]")


def card_in(browser, stage: str, opp_id: str):
    return visible(browser, f"[data-testid=kanban-column][data-stage={stage}] [data-testid=kanban-card][data-id='{opp_id}']")


def drag(browser, opp_id: str, stage: str) -> None:
    card = browser.find_element(By.CSS_SELECTOR, f"[data-testid=kanban-card][data-id='{opp_id}']")
    column = browser.find_element(By.CSS_SELECTOR, f"[data-testid=kanban-column][data-stage={stage}]")
    browser.execute_script(DRAG, card, column)


def test_kanban_drag_is_saved_and_a_refused_move_is_put_back(suite, world, browser):
    rep, opp, won = world["rep"], world["open"], world["won"]
    browser.get(suite.url + "/#/pipeline")
    card_in(browser, "qualification", opp["id"])
    drag(browser, opp["id"], "proposal")
    card_in(browser, "proposal", opp["id"])
    eventually(lambda: rep.get(f"/opportunities/{opp['id']}").json()["stage"] == "proposal", timeout=10)
    # the column's weighted total follows (GET /opportunities/pipeline)
    proposal = next(s for s in rep.get("/opportunities/pipeline").json()["items"] if s["stage"] == "proposal")
    wait(browser, ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "[data-testid=kanban-sum][data-stage=proposal]"), money(proposal["weighted_amount"])))
    # a won opportunity keeps its stage: the API says 409, the card goes back, a message says why
    card_in(browser, "won", won["id"])
    drag(browser, won["id"], "negotiation")
    visible(browser, ".toast.error")
    card_in(browser, "won", won["id"])
    assert not browser.find_elements(By.CSS_SELECTOR, f"[data-stage=negotiation] [data-id='{won['id']}']")
    assert rep.get(f"/opportunities/{won['id']}").json()["stage"] == "won"
    # after a reload the board shows what was saved
    browser.refresh()
    card_in(browser, "proposal", opp["id"])
    card_in(browser, "won", won["id"])


def test_quote_with_two_lines_shows_the_servers_totals_and_converts_to_a_confirmed_order(suite, world, browser):
    rep, customer, (pump, valve) = world["rep"], world["customer"], world["products"]
    browser.get(f"{suite.url}/#/quotes/new?customer_id={customer['id']}&opportunity_id={world['open']['id']}")
    first = visible(browser, "[data-testid=quote-line]")
    pick_product(browser, first, pump["sku"])
    # the list price is prefilled (never sold to this customer)
    wait(browser, lambda d: first.find_element(By.NAME, "unit_price").get_attribute("value") == "12800.00")
    # a quantity that is not a whole number: the server's message on that line, no totals
    set_field(first, "quantity", "1.5")
    visible(browser, "[data-testid=quote-line].has-error .error")
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-total=gross]").text == "—")
    set_field(first, "quantity", "3")
    set_field(first, "discount_pct", "7.5")
    browser.find_element(By.CSS_SELECTOR, ".lines-editor > button").click()
    second = wait(browser, lambda d: (rows := d.find_elements(By.CSS_SELECTOR, "[data-testid=quote-line]")) and len(rows) == 2 and rows[1])
    pick_product(browser, second, valve["sku"])
    wait(browser, lambda d: second.find_element(By.NAME, "unit_price").get_attribute("value") == "860.50")
    set_field(second, "quantity", "7")
    set_field(second, "unit_price", "855.55")
    set_field(second, "discount_pct", "3")
    assert first.find_element(By.NAME, "tax_rate").get_attribute("value") == "13"
    lines = [{"product_id": pump["id"], "quantity": 3, "unit_price": "12800.00", "discount_pct": "7.5", "tax_rate": "13"},
             {"product_id": valve["id"], "quantity": 7, "unit_price": "855.55", "discount_pct": "3", "tax_rate": "13"}]
    server = rep.post("/quotes/preview", json={"customer_id": customer["id"], "lines": lines}).json()
    for key in ("net", "tax", "gross"):
        wait(browser, ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"[data-total={key}]"), money(server[key])))
    browser.find_element(By.CSS_SELECTOR, "[data-testid=quote-save]").click()
    wait(browser, lambda d: "/quotes/" in d.current_url and not d.current_url.endswith(("/new", "/edit"))
         and "?" not in d.current_url.split("#")[1])
    quote_id = browser.current_url.split("#/quotes/")[1]
    quote = rep.get(f"/quotes/{quote_id}").json()
    assert (quote["net"], quote["tax"], quote["gross"]) == (server["net"], server["tax"], server["gross"])
    assert quote["opportunity_id"] == world["open"]["id"] and len(quote["lines"]) == 2
    for key in ("net", "tax", "gross"):
        wait(browser, ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"[data-total={key}]"), money(quote[key])))
    visible(browser, "[data-testid=quote-status][data-status=draft]")
    assert "草稿" in browser.find_element(By.CSS_SELECTOR, "[data-testid=quote-status]").text
    # a draft is edited (PATCH /quotes/{id}): one more valve, totals recomputed by the server
    browser.get(f"{suite.url}/#/quotes/{quote_id}/edit")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=quote-line]")) == 2)
    wait(browser, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-total=gross]"), money(quote["gross"])))
    set_field(browser.find_elements(By.CSS_SELECTOR, "[data-testid=quote-line]")[1], "quantity", "8")
    lines[1]["quantity"] = 8
    server = rep.post("/quotes/preview", json={"customer_id": customer["id"], "lines": lines}).json()
    wait(browser, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-total=gross]"), money(server["gross"])))
    browser.find_element(By.CSS_SELECTOR, "[data-testid=quote-save]").click()
    wait(browser, lambda d: d.current_url.endswith(f"#/quotes/{quote_id}"))
    quote = rep.get(f"/quotes/{quote_id}").json()
    assert quote["gross"] == server["gross"] and quote["lines"][1]["quantity"] == 8
    wait(browser, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-total=gross]"), money(quote["gross"])))
    # mark it sent, then convert it: the order page opens and the order becomes confirmed
    sent = next(b for b in browser.find_elements(By.CSS_SELECTOR, ".page-actions button") if b.text == "标记为已发送")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", sent)  # not under the sticky top bar
    sent.click()
    visible(browser, "[data-testid=quote-status][data-status=sent]")
    visible(browser, "[data-testid=quote-convert]").click()
    visible(browser, ".modal button.primary").click()
    wait(browser, lambda d: "#/orders/" in d.current_url)
    order_id = browser.current_url.split("#/orders/")[1].split("?")[0]
    visible(browser, "[data-testid=order-status][data-status=confirmed]", timeout=25)
    assert "已确认" in browser.find_element(By.CSS_SELECTOR, "[data-testid=order-status]").text
    order = rep.get(f"/orders/{order_id}").json()
    assert order["quote_id"] == quote_id and order["gross"] == quote["gross"] and order["status"] == "confirmed"
    severe = [e["message"] for e in browser.get_log("browser")  # the refused move's 409 is logged as a failed load
              if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]
    assert severe == []


def test_quote_validity_defaults_to_thirty_days(suite, world, browser):
    browser.get(f"{suite.url}/#/quotes/new?customer_id={world['customer']['id']}")
    field = visible(browser, "input[name=valid_until]")
    expected = (datetime.now(UTC).date() + timedelta(days=30))
    wait(browser, lambda d: field.get_attribute("value") in (expected.isoformat(), (expected - timedelta(days=1)).isoformat()))
