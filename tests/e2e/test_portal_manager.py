"""Managers in real headless Chromium: the approval inbox (approve a discounted order and see
it confirmed; reject one with a reason; their own order shown but not decidable) and the
dashboard's visibility promise (a rep's charts never include another rep's numbers; a
manager's hold the team's and no one else's), read from the charts' data tables."""

from __future__ import annotations

import time

import pytest

from tests.e2e import manager_world
from tests.e2e.portal_browser import (
    PHONE,
    By,
    chromium,
    click_text,
    log_in,
    page_width,
    screenshot,
    script_errors,
    text_in,
    title_is,
    visible,
    wait,
)
from tests.e2e.portal_browser import (
    needs_chromium as _needs_chromium,
)

pytestmark = [pytest.mark.e2e, _needs_chromium]


@pytest.fixture(scope="module")
def world(suite, admin):
    return manager_world.build(admin, orders_per_rep=2)


@pytest.fixture(scope="module")
def manager_browser(tmp_path_factory, suite, world):
    with chromium(tmp_path_factory.mktemp("manager")) as driver:
        log_in(driver, suite.url, world.usernames["mgr"], manager_world.PASSWORD)
        yield driver


def card(driver, number: str):
    return visible(driver, f'li[data-order="{number}"]')


def table_rows(driver, report: str) -> list[list[str]]:
    """The first column (and the cells) of a chart's data table, read as a screen reader would."""
    def rows(d):
        section = d.find_element(By.CSS_SELECTOR, f'[data-report="{report}"]')
        tables = section.find_elements(By.CSS_SELECTOR, "table[data-chart-table]")
        if not tables:
            return False
        return [[c.get_attribute("textContent").strip() for c in tr.find_elements(By.CSS_SELECTOR, "th, td")]
                for tr in tables[0].find_elements(By.CSS_SELECTOR, "tbody tr")]
    return wait(driver, rows)


def dashboard_ready(driver) -> None:
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "section.dashboard").get_attribute("data-ready") == "true",
         30)


def test_the_manager_starts_on_the_dashboard_and_approves_a_discounted_order(suite, world, manager_browser):
    b = manager_browser
    title_is(b, "仪表盘")  # a manager's home
    dashboard_ready(b)
    held = world.held_orders["zhang"]
    b.get(f"{suite.url}/#/approvals")
    title_is(b, "审批")
    order_card = card(b, held["number"])
    assert "张三" in order_card.text and "35%" in order_card.text
    screenshot(b, "manager-approvals-zh", full_height=True)
    order_card.find_element(By.XPATH, ".//button[contains(., '批准')]").click()
    visible(b, ".modal textarea, .modal input").send_keys("老客户，同意本次折扣")  # the approver's comment
    click_text(b, "批准", css=".modal button[type=submit]")
    # the decided order stays on the page and follows the reservation to confirmed
    text_in(b, f'[data-decided="{held["number"]}"]', "已确认", timeout=30)
    assert not b.find_elements(By.CSS_SELECTOR, f'li[data-order="{held["number"]}"]')
    rep = world.clients["zhang"]
    assert rep.get(f"/orders/{held['id']}").json()["status"] == "confirmed"
    # the rep is told, and the notification opens the order
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        notes = [n for n in rep.get("/notifications").json()["items"] if n["kind"] == "order_approved"]
        if notes:
            break
        time.sleep(0.3)
    assert notes and notes[0]["subject_type"] == "order" and notes[0]["subject_id"] == held["id"]
    # the comment is kept on the order and ends the approval's line on the customer's timeline
    assert rep.get(f"/orders/{held['id']}").json()["reason"] == "老客户，同意本次折扣"
    def approval_line() -> str | None:
        items = world.clients["mgr"].get("/timeline", params={"customer_id": held["customer_id"]}).json()["items"]
        return next((e["summary_zh"] for e in items if "审批通过订单" in e["summary_zh"]), None)

    deadline = time.monotonic() + 15
    while approval_line() is None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert (approval_line() or "").endswith(f"审批通过订单 {held['number']}：老客户，同意本次折扣")
    assert script_errors(b) == []


def test_the_manager_rejects_with_a_reason(suite, world, manager_browser):
    b = manager_browser
    held = world.held_orders["wang"]
    b.get(f"{suite.url}/#/approvals")
    card(b, held["number"]).find_element(By.XPATH, ".//button[contains(., '驳回')]").click()
    dialog = visible(b, ".modal")
    assert "驳回原因" in dialog.text
    dialog.find_element(By.CSS_SELECTOR, "textarea").send_keys("折扣过高，请按 20% 重新报价")
    click_text(b, "驳回", css=".modal button[type=submit]")
    text_in(b, f'[data-decided="{held["number"]}"]', "已拒绝", timeout=15)
    order = world.clients["wang"].get(f"/orders/{held['id']}").json()
    assert (order["status"], order["reason"]) == ("rejected", "折扣过高，请按 20% 重新报价")


def test_the_managers_own_order_is_shown_but_cannot_be_decided(suite, world, manager_browser):
    """李经理's own order on 张三's customer (four eyes): buttons off, the reason shown."""
    b = manager_browser
    mine = world.clients["mgr"].post("/orders", json={
        "customer_id": world.customers["zhang"][2],
        "lines": [{"product_id": world.products[1]["id"], "quantity": 1, "tax_rate": 13, "discount_pct": "40"}]})
    assert mine.status_code == 201 and mine.json()["status"] == "pending_approval", mine.text
    b.get(f"{suite.url}/#/approvals")
    b.refresh()  # the same address: load the inbox again
    own = card(b, mine.json()["number"])
    assert "这是您自己下的订单" in own.text
    buttons = own.find_elements(By.CSS_SELECTOR, ".card-actions button")
    assert buttons and all(not x.is_enabled() for x in buttons)
    # 赵六 is in another manager's team: his held order is not even listed here
    assert not b.find_elements(By.CSS_SELECTOR, f'li[data-order="{world.held_orders["zhao"]["number"]}"]')


def test_the_dashboard_shows_a_manager_the_team_and_no_one_else(suite, world, manager_browser):
    b = manager_browser
    b.get(f"{suite.url}/#/dashboard")
    dashboard_ready(b)
    reps = {r[0] for r in table_rows(b, "sales-performance")}
    assert {"张三", "王五"} <= reps and "赵六" not in reps
    spenders = {r[0] for r in table_rows(b, "expenses-rep")}
    assert "赵六" not in spenders and "张三" in spenders
    # one rep picked: only their numbers
    from selenium.webdriver.support.ui import Select
    Select(b.find_element(By.ID, "dash-rep")).select_by_visible_text("王五")
    wait(b, lambda d: "owner_id=" in d.current_url)
    dashboard_ready(b)
    wait(b, lambda d: {r[0] for r in table_rows(d, "sales-performance")} == {"王五"})
    screenshot(b, "manager-dashboard-zh", full_height=True)
    assert script_errors(b) == []


def test_a_reps_dashboard_never_includes_another_reps_numbers(suite, world, tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("rep")) as b:
        log_in(b, suite.url, world.usernames["zhang"], manager_world.PASSWORD, route="#/dashboard")
        title_is(b, "仪表盘")
        dashboard_ready(b)
        assert not b.find_elements(By.ID, "dash-rep")  # no rep picker for a rep
        for report in ("sales-performance", "expenses-rep", "receivables-ageing"):
            names = {r[0] for r in table_rows(b, report)}
            assert names <= {"张三"}, (report, names)
        assert {r[0] for r in table_rows(b, "sales-performance")} == {"张三"}
        mine = world.clients["zhang"].get("/reports/sales-performance").json()["items"][0]
        row = table_rows(b, "sales-performance")[0]
        assert row[1].replace(",", "") == f"¥{mine['revenue']}"
        customers = " ".join(r[0] for r in table_rows(b, "profit"))
        assert "王五" not in customers and "赵六" not in customers
        # the numbers are one click away for everyone: the toggle shows the table
        section = b.find_element(By.CSS_SELECTOR, '[data-report="sales-performance"]')
        section.find_element(By.CSS_SELECTOR, "button.chart-toggle").click()
        assert section.find_element(By.CSS_SELECTOR, "table[data-chart-table]").is_displayed()
        assert script_errors(b) == []


def test_the_phone_layout_of_the_inbox_and_dashboard(suite, world, tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("phone"), size=PHONE) as b:
        log_in(b, suite.url, world.usernames["mgr2"], manager_world.PASSWORD, route="#/approvals")
        title_is(b, "审批")
        card(b, world.held_orders["zhao"]["number"])
        assert page_width(b) <= PHONE[0]
        b.get(f"{suite.url}/#/dashboard")
        dashboard_ready(b)
        assert page_width(b) <= PHONE[0]
        screenshot(b, "manager-dashboard-zh-phone", full_height=True)
