"""Tasks and the calendar in real headless Chromium (issue 15.2, 15.3, 15.5): a rep adds a
follow-up from the customer page's tasks tab, completes it logging the call in the same step,
finds an overdue task first on "my tasks", sees the week and the month on the calendar (each
entry opening its record) and makes the phone subscription address; the calendar fits a
phone; a reminder's notification opens the task."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests

from shared.testing.fixtures import eventually
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
    type_into,
    visible,
    wait,
)
from tests.e2e.portal_browser import (
    needs_chromium as _needs_chromium,
)

pytestmark = [pytest.mark.e2e, _needs_chromium]
PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def rep(admin):
    return admin.create_user("sales", username=f"rep_tasks_{uuid.uuid4().hex[:8]}", password=PASSWORD)


@pytest.fixture(scope="module")
def world(rep):
    now = dt.datetime.now(dt.UTC)
    c = rep.post("/customers", json={"name": f"宁波港城{uuid.uuid4().hex[:6]}机械有限公司"}).json()
    late = rep.post("/tasks", json={"title": "逾期未回的报价", "customer_id": c["id"],
                                    "due_at": (now - dt.timedelta(days=1)).isoformat()}).json()
    later = rep.post("/tasks", json={"title": "下周的例会准备",
                                     "due_at": (now + dt.timedelta(days=5)).isoformat()}).json()
    reminded = rep.post("/tasks", json={"title": "提醒我打电话", "due_at": (now + dt.timedelta(hours=3)).isoformat(),
                                        "remind_at": (now + dt.timedelta(seconds=1)).isoformat()}).json()
    return {"customer": c, "late": late, "later": later, "reminded": reminded}


@pytest.fixture(scope="module")
def browser(tmp_path_factory, suite, rep):
    with chromium(tmp_path_factory.mktemp("tasks")) as driver:
        log_in(driver, suite.url, rep.user["username"], PASSWORD)
        yield driver


def test_follow_up_from_the_customer_page_and_complete_it_with_the_call(suite, rep, world, browser):
    b = browser
    c = world["customer"]
    b.get(f"{suite.url}/#/customers/{c['id']}?tab=tasks")
    visible(b, '[data-testid="customer-task-new"]').click()
    type_into(b, "事项", "确认交货期")
    click_text(b, "保存", css=".modal button[type=submit]")
    wait(b, lambda d: any("确认交货期" in e.text for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="customer-task"]')))
    created = [x for x in rep.get("/tasks", params={"customer_id": c["id"]}).json()["items"] if x["title"] == "确认交货期"]
    assert len(created) == 1 and created[0]["remind_at"]  # an hour before, by default
    # the overdue one comes first on the tab
    cards = b.find_elements(By.CSS_SELECTOR, '[data-testid="customer-task"]')
    assert "逾期未回的报价" in cards[0].text and "已逾期" in cards[0].text
    card = [x for x in cards if "确认交货期" in x.text][0]
    card.find_element(By.CSS_SELECTOR, '[data-testid="task-complete"]').click()
    type_into(b, "活动内容", "电话确认，月底前交货")
    visible(b, '[data-testid="task-complete-save"]').click()
    text_in(b, "body", "任务已完成")
    done = rep.get(f"/tasks/{created[0]['id']}").json()
    assert done["status"] == "done" and done["activity_id"]
    activity = rep.get(f"/activities/{done['activity_id']}").json()
    assert activity["summary"] == "电话确认，月底前交货" and activity["kind"] == "call"
    screenshot(b, "customer-tasks-zh")
    assert script_errors(b) == []


def test_my_tasks_overdue_first_and_the_calendar(suite, rep, world, browser):
    b = browser
    b.get(f"{suite.url}/#/tasks")
    title_is(b, "我的任务")
    wait(b, lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")) >= 2)
    rows = b.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    assert "逾期未回的报价" in rows[0].text and "已逾期" in rows[0].text
    assert "确认交货期" not in b.find_element(By.CSS_SELECTOR, "table.list").text  # done: not on the open list
    screenshot(b, "tasks-zh")
    # the week: the overdue task is yesterday (or last week), the reminded one today
    b.get(f"{suite.url}/#/calendar")
    title_is(b, "日程")
    link = visible(b, f'a.cal-item[href="#/tasks?open={world["reminded"]["id"]}"]')
    assert "提醒我打电话" in link.text
    screenshot(b, "calendar-week-zh")
    click_text(b, "月", css=".cal-views button")
    wait(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".cal-month"))
    visible(b, f'a.cal-item[href="#/tasks?open={world["reminded"]["id"]}"]').click()
    text_in(b, ".modal", "修改任务")  # the entry opened the task
    # the phone subscription address
    b.get(f"{suite.url}/#/calendar")
    click_text(b, "订阅到手机日历", css="summary")
    visible(b, '[data-testid="feed-create"]').click()
    url = visible(b, '[data-testid="feed-url"]').get_attribute("value")
    assert url.startswith(f"{suite.url}/api/v1/calendar/feed/") and url.endswith(".ics")
    assert "提醒我打电话" in requests.get(url, timeout=10).content.decode("utf-8")
    assert script_errors(b) == []


def test_a_reminder_opens_its_task(suite, rep, world, browser):
    b = browser

    def note():
        items = rep.get("/notifications", params={"per_page": 100}).json()["items"]
        return [n for n in items if n["kind"] == "task_reminder" and n["subject_id"] == world["reminded"]["id"]] or None

    eventually(note, timeout=30)
    b.get(f"{suite.url}/#/notifications")
    click_text(b, "任务提醒：提醒我打电话", css="ul.notifications a")
    text_in(b, ".modal", "修改任务")
    assert "提醒我打电话" in visible(b, ".modal input").get_attribute("value")


def test_the_calendar_and_tasks_fit_a_phone(tmp_path, suite, rep, world):
    with chromium(tmp_path, size=PHONE) as b:
        log_in(b, suite.url, rep.user["username"], PASSWORD)
        for route, css in (("#/calendar", ".cal-week"), ("#/calendar?view=month", ".cal-month"),
                           ("#/tasks", "table.list")):
            b.get(f"{suite.url}/{route}")
            try:
                wait(b, lambda d, css=css: d.find_elements(By.CSS_SELECTOR, css), 20)
            except Exception:
                screenshot(b, "calendar-phone-failed")
                raise
            assert page_width(b) <= PHONE[0], route
            if route == "#/calendar":
                screenshot(b, "calendar-phone-zh")
        assert script_errors(b) == []
