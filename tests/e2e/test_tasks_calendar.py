"""Tasks, reminders and the calendar through the gateway (issue 15.2, 15.3): a task reaches
the customer's timeline, its reminder becomes one notification for the assignee, another
rep sees none of it, and the calendar's .ics feed is read without a bearer token through
its secret URL (regenerated and revoked)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import icalendar
import pytest
import requests

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def people(admin):
    manager = admin.create_user("manager")
    return {"rep": admin.create_user("sales", manager_id=manager.user["id"]), "other": admin.create_user("sales"),
            "manager": manager}


def test_task_timeline_reminder_and_visibility(people):
    rep, other, manager = people["rep"], people["other"], people["manager"]
    c = rep.post("/customers", json={"name": f"杭州西子{uuid.uuid4().hex[:8]}机械有限公司"}).json()
    now = dt.datetime.now(dt.UTC)
    r = rep.post("/tasks", json={"title": "回访确认交期", "customer_id": c["id"],
                                 "due_at": (now + dt.timedelta(hours=2)).isoformat(),
                                 "remind_at": (now + dt.timedelta(seconds=2)).isoformat()})
    assert r.status_code == 201, r.text
    task = r.json()

    def reminders():
        items = rep.get("/notifications", params={"per_page": 200}).json()["items"]
        found = [n for n in items if n["kind"] == "task_reminder" and n["subject_id"] == task["id"]]
        return found or None

    [note] = eventually(reminders, timeout=30)
    assert note["subject_type"] == "task" and "回访确认交期" in (note.get("message_zh") or note["message"])
    time.sleep(2)  # more scheduler passes: still one
    assert len(reminders()) == 1
    assert rep.get(f"/tasks/{task['id']}").json()["reminded_at"]
    # completed with its activity: both on the customer's timeline, in the user's words
    r = rep.patch(f"/tasks/{task['id']}", json={"status": "done",
                                                "activity": {"kind": "call", "summary": "电话确认，月底交货"}})
    assert r.status_code == 200 and r.json()["activity_id"], r.text

    def timeline():
        items = rep.get("/timeline", params={"customer_id": c["id"], "per_page": 200}).json()["items"]
        types = {i["type"]: i for i in items}
        wanted = ("customer.task.created", "customer.task.completed", "customer.activity.logged")
        return types if all(t in types for t in wanted) else None

    entries = eventually(timeline, timeout=30)
    assert "创建了任务「回访确认交期」" in entries["customer.task.created"]["summary_zh"]
    assert "completed task 回访确认交期" in entries["customer.task.completed"]["summary"]
    assert "customer.task.reminder_due" not in entries  # a reminder is the assignee's, not the customer's
    # another rep: nothing of it; the rep's manager: the task and the rep's calendar
    assert other.get(f"/tasks/{task['id']}").status_code == 404
    assert other.get("/tasks", params={"customer_id": c["id"]}).json()["total"] == 0
    assert manager.get(f"/tasks/{task['id']}").status_code == 200
    window = {"from": now.date().isoformat(), "to": (now + dt.timedelta(days=1)).date().isoformat()}
    got = manager.get("/calendar", params={**window, "user_id": rep.user["id"]})
    assert got.status_code == 200 and task["id"] in {i["id"] for i in got.json()["items"]}
    assert other.get("/calendar", params={**window, "user_id": rep.user["id"]}).status_code == 403


def test_ics_feed_through_the_gateway_without_a_bearer_token(people, suite):
    rep = people["rep"]
    now = dt.datetime.now(dt.UTC)
    task = rep.post("/tasks", json={"title": "拜访前准备样品",
                                    "due_at": (now + dt.timedelta(days=1)).isoformat()}).json()
    issued = rep.post("/calendar/feed")
    assert issued.status_code == 201, issued.text
    url = f"{suite.url}/api/v1{issued.json()['path']}"
    r = requests.get(url, timeout=10)  # as a phone's calendar app: no Authorization header
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    assert "任务：拜访前准备样品" in {str(e.get("summary")) for e in cal.walk("VEVENT")}
    assert f"task-{task['id']}@crm" in {str(e.get("uid")) for e in cal.walk("VEVENT")}
    # only GET of a feed path is public; the rest still wants a bearer token
    assert requests.post(url, timeout=10).status_code == 401
    assert requests.get(f"{suite.url}/api/v1/calendar/feed", timeout=10).status_code == 401
    assert requests.get(f"{suite.url}/api/v1/tasks", timeout=10).status_code == 401
    assert requests.get(f"{suite.url}/api/v1/calendar/feed/{'A' * 43}.ics", timeout=10).status_code == 404
    # regenerate: the old URL is dead; revoke: the new one too
    newer = rep.post("/calendar/feed").json()
    assert requests.get(url, timeout=10).status_code == 404
    new_url = f"{suite.url}/api/v1{newer['path']}"
    assert requests.get(new_url, timeout=10).status_code == 200
    assert rep.delete("/calendar/feed").status_code == 204
    assert requests.get(new_url, timeout=10).status_code == 404
