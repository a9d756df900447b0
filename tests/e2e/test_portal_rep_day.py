"""A sales rep's whole day in the portal, once in Chinese and once in English, in real
headless Chromium against the whole suite (issue 13): create a customer, add a contact, log a
visit, convert a lead with an opportunity, drag it to `proposal` on the board, build a
two-line quote with a discount and 13% tax whose totals equal the server's (and whose PDF
says so in the user's language), convert it, see the order become confirmed, and find all
of it on the customer's timeline. Buttons and labels are found by the catalogues' words."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    DRAG,
    By,
    catalogues,
    chromium,
    click_text,
    ec,
    field,
    log_in,
    needs_chromium,
    pick_product,
    screenshot,
    script_errors,
    set_field,
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
    return catalogues()


@pytest.fixture(scope="module")
def stock(admin):
    """Two products with stock in one warehouse, so the day's order can be confirmed."""
    tag = uuid.uuid4().hex[:6]
    wh = admin.post("/warehouses", json={"code": f"RD{tag}", "name": f"华东仓{tag}"}).json()
    products = []
    for sku, name, price in ((f"RD-PUMP-{tag}", f"离心泵{tag}", "12800.00"), (f"RD-VLV-{tag}", f"闸阀{tag}", "860.50")):
        r = admin.post("/products", json={"sku": sku, "name": name, "unit": "台", "list_price": price})
        assert r.status_code == 201, r.text
        products.append(r.json())
    r = admin.post("/stock/receipts", json={"warehouse_id": wh["id"],
                                            "lines": [{"product_id": p["id"], "quantity": 1000} for p in products]})
    assert r.status_code == 201, r.text
    return products


def money(amount: str) -> str:
    return f"¥{Decimal(amount):,.2f}"


def button_in(driver, scope: str, text: str):
    click_text(driver, text, f"{scope} button, {scope} a, {scope} summary")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_sales_reps_day(suite, admin, stock, words, lang, tmp_path):
    w = words[lang]
    tag = uuid.uuid4().hex[:6]
    rep = admin.create_user("sales", full_name="王小明" if lang == "zh" else "Wang Xiaoming")
    with chromium(tmp_path / "profile", lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route="#/customers/new")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        title_is(d, w["customers.new"])

        # 1. a customer
        name = f"上海华东{tag}机电设备有限公司"
        type_into(d, w["customer.name"], name)
        type_into(d, w["customer.industry"], "制造业")
        button_in(d, "form.form", w["action.save"])
        title_is(d, name)
        customer_id = d.current_url.split("#/customers/")[1].split("?")[0]

        # 2. a contact
        button_in(d, ".tab-list", w["customer.tab.contacts"])
        button_in(d, "section", w["contacts.add"])
        type_into(d, w["contact.name"], "张伟")
        button_in(d, "form.form", w["action.save"])
        text_in(d, "ul.cards", "张伟")

        # 3. a visit, two clicks from the customer's header
        button_in(d, ".page-actions", w["activity.log"])
        button_in(d, ".page-actions", w["activity_kind.visit"])
        type_into(d, w["activity.summary"], "拜访采购部，讨论年度框架协议")
        button_in(d, ".modal", w["activity.save"])
        wait(d, lambda x: not x.find_elements(By.CSS_SELECTOR, ".modal"))
        eventually(lambda: rep.get("/activities", params={"customer_id": customer_id}).json()["total"] == 1)

        # 4. a lead converted with an opportunity, onto a new customer
        company = f"宁波{tag}包装有限公司"
        lead = rep.post("/leads", json={"name": "李四", "company": company, "phone": "13900001111"}).json()
        d.get(f"{suite.url}/#/leads/{lead['id']}")
        title_is(d, "李四")
        button_in(d, ".page-actions", w["lead.convert"])
        field(d, w["lead.with_opportunity"]).click()
        type_into(d, w["lead.opp_name"], "包装线改造")
        type_into(d, w["lead.opp_amount"], "120000")
        button_in(d, ".panel form", w["lead.convert"])
        title_is(d, company)
        converted = eventually(lambda: (lead_now := rep.get(f"/leads/{lead['id']}").json()).get("opportunity_id") and lead_now,
                               timeout=20)
        opp_id, lead_customer = converted["opportunity_id"], converted["customer_id"]
        assert converted["status"] == "converted" and opp_id

        # 5. the opportunity dragged to `proposal` on the board
        d.get(f"{suite.url}/#/pipeline")
        card = visible(d, f"[data-testid=kanban-card][data-id='{opp_id}']", 20)
        column = d.find_element(By.CSS_SELECTOR, "[data-testid=kanban-column][data-stage=proposal]")
        d.execute_script(DRAG, card, column)
        visible(d, f"[data-testid=kanban-column][data-stage=proposal] [data-testid=kanban-card][data-id='{opp_id}']")
        eventually(lambda: rep.get(f"/opportunities/{opp_id}").json().get("stage") == "proposal", timeout=15)

        # 6. a two-line quote with a discount and 13% tax: the server's totals, to the cent
        pump, valve = stock
        d.get(f"{suite.url}/#/quotes/new?customer_id={lead_customer}&opportunity_id={opp_id}")
        first = visible(d, "[data-testid=quote-line]", 20)
        pick_product(d, first, pump["sku"])
        wait(d, lambda x: first.find_element(By.NAME, "unit_price").get_attribute("value") == "12800.00")
        set_field(first, "quantity", "3")
        set_field(first, "discount_pct", "7.5")
        d.find_element(By.CSS_SELECTOR, ".lines-editor > button").click()
        second = wait(d, lambda x: (rows := x.find_elements(By.CSS_SELECTOR, "[data-testid=quote-line]")) and len(rows) == 2 and rows[1])
        pick_product(d, second, valve["sku"])
        wait(d, lambda x: second.find_element(By.NAME, "unit_price").get_attribute("value") == "860.50")
        set_field(second, "quantity", "7")
        set_field(second, "discount_pct", "3")
        assert first.find_element(By.NAME, "tax_rate").get_attribute("value") == "13"
        lines = [{"product_id": pump["id"], "quantity": 3, "unit_price": "12800.00", "discount_pct": "7.5", "tax_rate": "13"},
                 {"product_id": valve["id"], "quantity": 7, "unit_price": "860.50", "discount_pct": "3", "tax_rate": "13"}]
        server = rep.post("/quotes/preview", json={"customer_id": lead_customer, "lines": lines}).json()
        for key in ("net", "tax", "gross"):
            wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"[data-total={key}]"), money(server[key])))
        d.find_element(By.CSS_SELECTOR, "[data-testid=quote-save]").click()
        wait(d, lambda x: "#/quotes/" in x.current_url and not x.current_url.endswith(("/new", "/edit"))
             and "?" not in x.current_url.split("#")[1])
        quote_id = d.current_url.split("#/quotes/")[1]
        quote = rep.get(f"/quotes/{quote_id}").json()
        assert (quote["net"], quote["tax"], quote["gross"]) == (server["net"], server["tax"], server["gross"])
        # the PDF the page offers, in the user's language, with the same total and words, not codes
        pdf = rep.get(f"/quotes/{quote_id}/pdf", headers={"Accept-Language": "zh-CN" if lang == "zh" else "en"})
        assert pdf.status_code == 200 and pdf.headers["Content-Type"].startswith("application/pdf")
        text = pdf_text(pdf.content)
        assert f"{Decimal(quote['gross']):,.2f}" in text and "draft" not in text.replace("Draft", "")
        assert ("草稿" in text) if lang == "zh" else ("Draft" in text)

        # 7. sent, converted: the order page shows it become confirmed
        button_in(d, ".page-actions", w["quote.send"])
        visible(d, "[data-testid=quote-status][data-status=sent]")
        visible(d, "[data-testid=quote-convert]").click()
        visible(d, ".modal button.primary").click()
        wait(d, lambda x: "#/orders/" in x.current_url)
        order_id = d.current_url.split("#/orders/")[1].split("?")[0]
        visible(d, "[data-testid=order-status][data-status=confirmed]", 30)
        assert w["order_status.confirmed"] in d.find_element(By.CSS_SELECTOR, "[data-testid=order-status]").text

        # 8. all of it on the customers' timelines, in the user's words
        for cid in (customer_id, lead_customer):
            entries = eventually(lambda cid=cid: (items := rep.get("/timeline", params={"customer_id": cid}).json()["items"])
                                 and len(items) >= 2 and items, timeout=20)
            d.get(f"{suite.url}/#/customers/{cid}?tab=timeline")
            for entry in entries:
                summary = entry["summary_zh"] if lang == "zh" else entry["summary_en"]
                text_in(d, "ol.timeline", summary, 20)
        order = rep.get(f"/orders/{order_id}").json()
        kinds = {e["type"] for e in rep.get("/timeline", params={"customer_id": lead_customer, "per_page": 100}).json()["items"]}
        assert {"sales.quote.created", "sales.order.placed"} <= kinds and order["quote_id"] == quote_id
        body = d.find_element(By.CSS_SELECTOR, "ol.timeline").text
        assert "sales." not in body and "customer." not in body  # words, never event codes
        screenshot(d, f"rep-day-timeline-{lang}", full_height=True)
        assert script_errors(d) == []
