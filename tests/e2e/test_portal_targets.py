"""Sales targets in the portal (issue 16.4), through the whole suite: a manager sets a rep's
monthly target on the targets page and sees the attainment against the rep's order of the
month; the rep sees their months (read only) in English at phone width; the targets and the
report answer through the gateway within what each may see."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    PHONE,
    By,
    catalogues,
    chromium,
    log_in,
    needs_chromium,
    page_width,
    replace_text,
    screenshot,
    script_errors,
    text_in,
    title_is,
    visible,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def team(admin):
    """A manager over a rep with one confirmed order of ¥1,130.00 (1 x 1000.00 + 13% tax)."""
    tag = uuid.uuid4().hex[:6]
    manager = admin.create_user("manager", full_name=f"目标经理{tag}")
    rep = admin.create_user("sales", manager_id=manager.user["id"], full_name=f"目标业务员{tag}")
    outsider = admin.create_user("manager", full_name=f"别组经理{tag}")
    wh = admin.post("/warehouses", json={"code": f"TG{tag}", "name": f"目标仓{tag}"}).json()
    product = admin.post("/products", json={"sku": f"TG-{tag}", "name": f"目标泵{tag}", "unit": "台",
                                            "list_price": "1000.00"}).json()
    assert admin.post("/stock/receipts", json={"warehouse_id": wh["id"], "lines": [
        {"product_id": product["id"], "quantity": 10}]}).status_code == 201
    customer = rep.post("/customers", json={"name": f"目标测试{tag}有限公司"}).json()
    order = eventually(lambda: (r := rep.post("/orders", json={"customer_id": customer["id"], "lines": [
        {"product_id": product["id"], "quantity": 1, "tax_rate": "13"}]})).status_code == 201 and r.json(), timeout=20)
    eventually(lambda: rep.get(f"/orders/{order['id']}").json()["status"] == "confirmed", timeout=30)
    month = order["created_at"][:7]  # the order's month (UTC), as the report counts it
    return {"manager": manager, "rep": rep, "outsider": outsider, "month": month, "order": order}


def test_a_manager_sets_a_target_and_the_rep_sees_the_attainment(suite, team, tmp_path):
    zh, en = catalogues()["zh"], catalogues()["en"]
    manager, rep, month = team["manager"], team["rep"], team["month"]
    rep_id = rep.user["id"]
    eventually(lambda: any(i["owner_id"] == rep_id and i["revenue"] == "1130.00" for i in manager.get(
        "/reports/target-attainment", params={"month": month}).json()["items"]), timeout=30)
    with chromium(tmp_path / "manager") as d:
        log_in(d, suite.url, manager.user["username"], PASSWORD, route=f"#/targets?month={month}")
        title_is(d, zh["targets.title"])
        row = visible(d, f'tr[data-rep="{rep_id}"]')
        assert not d.find_elements(By.CSS_SELECTOR, f'tr[data-rep="{manager.user["id"]}"] input')  # not their own
        replace_text(row.find_element(By.CSS_SELECTOR, "input"), "2000")
        row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        text_in(d, f'tr[data-rep="{rep_id}"]', "56.5%")
        text_in(d, f'tr[data-rep="{rep_id}"]', "¥1,130.00")
        screenshot(d, "targets-manager-zh")
        assert script_errors(d) == []
    saved = manager.get("/sales-targets", params={"owner_id": rep_id, "month": month}).json()["items"]
    assert [(t["amount"], t["set_by"]) for t in saved] == [("2000.00", manager.user["id"])]
    # another team's manager neither sees nor sets it
    assert team["outsider"].get("/sales-targets", params={"owner_id": rep_id}).json()["items"] == []
    assert team["outsider"].put(f"/sales-targets/{rep_id}/{month}", json={"amount": "1"}).status_code == 403
    assert rep.put(f"/sales-targets/{rep_id}/{month}", json={"amount": "1"}).status_code == 403

    with chromium(tmp_path / "rep", size=PHONE) as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route=f"#/targets?month={month}")
        d.execute_script("localStorage.setItem('crm.lang', 'en')")
        d.refresh()
        title_is(d, en["targets.title"])
        text_in(d, f'tr[data-month="{month}"]', "56.5%")
        text_in(d, f'tr[data-month="{month}"]', "¥2,000.00")
        assert not d.find_elements(By.CSS_SELECTOR, "table.targets input")
        assert page_width(d) <= PHONE[0]
        screenshot(d, "targets-rep-en-phone", full_height=True)
        assert script_errors(d) == []
