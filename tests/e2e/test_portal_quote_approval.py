"""A quote discounted past the approval threshold, in the portal through the whole suite
(issue 16.4): the rep writes terms, sees the quote cannot go out yet and asks for approval
with a note (Chinese); the manager is notified and approves it from the inbox (English);
the rep then marks it sent, on a phone; the PDF carries the terms."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    PHONE,
    By,
    chromium,
    click_text,
    log_in,
    needs_chromium,
    page_width,
    screenshot,
    script_errors,
    text_in,
    title_is,
    visible,
    wait,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"
TERMS = "付款方式：预付30%，发货前付清\n交货期：收到预付款后30天"


def test_a_deep_discount_is_approved_before_the_quote_goes_out(suite, admin, tmp_path):
    tag = uuid.uuid4().hex[:6]
    manager = admin.create_user("manager", full_name=f"审批经理{tag}")
    rep = admin.create_user("sales", manager_id=manager.user["id"], full_name=f"报价业务员{tag}")
    product = admin.post("/products", json={"sku": f"QA-{tag}", "name": f"审批泵{tag}", "unit": "台",
                                            "list_price": "1000.00"}).json()
    customer = rep.post("/customers", json={"name": f"报价审批{tag}有限公司"}).json()
    quote = eventually(lambda: (r := rep.post("/quotes", json={
        "customer_id": customer["id"], "valid_until": (date.today() + timedelta(days=20)).isoformat(),
        "terms": TERMS, "lines": [{"product_id": product["id"], "quantity": 2, "unit_price": "1000.00",
                                   "discount_pct": 40, "tax_rate": "13"}]})).status_code == 201 and r.json(), timeout=20)
    assert quote["needs_approval"] is True

    with chromium(tmp_path / "rep") as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route=f"#/quotes/{quote['id']}")
        panel = visible(d, '[data-testid="quote-approval"][data-state="none"]')
        assert "经理审批后才能发给客户" in panel.text
        text_in(d, "section.record", "交货期：收到预付款后30天")
        assert not [b for b in d.find_elements(By.CSS_SELECTOR, ".page-actions button, header button")
                    if b.text in ("标记为已发送", "邮件发送")]
        click_text(d, "提交审批", '[data-testid="quote-approval"] button')
        visible(d, ".modal textarea").send_keys("大客户首单，竞争对手报价更低")
        click_text(d, "提交审批", ".modal button[type=submit]")
        visible(d, '[data-testid="quote-approval"][data-state="pending"]')
        screenshot(d, "quote-approval-pending-zh", full_height=True)
        assert script_errors(d) == []

    notes = eventually(lambda: [n for n in manager.get("/notifications").json()["items"]
                                if n["subject_id"] == quote["id"]], timeout=30)
    assert "等待您审批" in notes[0]["message_zh"]

    with chromium(tmp_path / "manager", lang="en") as d:
        log_in(d, suite.url, manager.user["username"], PASSWORD, route="#/approvals?tab=quotes")
        d.execute_script("localStorage.setItem('crm.lang', 'en')")
        d.refresh()
        title_is(d, "Approvals")
        card = visible(d, f'li[data-quote="{quote["number"]}"]')
        assert "40" in card.text and "大客户首单" in card.text
        screenshot(d, "quote-approval-inbox-en", full_height=True)
        card.find_element(By.XPATH, ".//button[contains(., 'Approve')]").click()
        visible(d, ".modal textarea").send_keys("同意，下不为例")
        click_text(d, "Approve", ".modal button[type=submit]")
        wait(d, lambda x: not x.find_elements(By.CSS_SELECTOR, f'li[data-quote="{quote["number"]}"]'))
        assert script_errors(d) == []
    assert rep.get(f"/quotes/{quote['id']}").json()["approval_status"] == "approved"

    with chromium(tmp_path / "phone", size=PHONE) as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route=f"#/quotes/{quote['id']}")
        panel = visible(d, '[data-testid="quote-approval"][data-state="approved"]')
        assert "同意，下不为例" in panel.text
        click_text(d, "标记为已发送")
        text_in(d, '[data-testid="quote-status"]', "已发送")
        assert page_width(d) <= PHONE[0]
        screenshot(d, "quote-approved-sent-zh-phone", full_height=True)
        assert script_errors(d) == []
    pdf = rep.get(f"/quotes/{quote['id']}/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "交货期：收到预付款后30天" in text
