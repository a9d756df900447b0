"""Tasks (visibility, the status flow, completion with its activity, recurrence), the
calendar (every source, whose calendar one may read) and its iCalendar feed."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import quote

import icalendar
import pytest

from services.customer.handlers import on_quote
from shared.envelope import Envelope
from shared.identity import IDENTITY_HEADER, sign_public_call
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def at(days: float = 0, hours: float = 0) -> str:
    return (NOW + dt.timedelta(days=days, hours=hours)).isoformat()


def make_customer(client) -> dict:
    r = client.post("/customers", json={"name": f"任务客户{uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def make_task(client, **body) -> dict:
    r = client.post("/tasks", json={"title": "回访确认报价", "due_at": at(1), **body})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_create_defaults_and_validation(people, engine):
    c = make_customer(people.sales)
    t = make_task(people.sales, customer_id=c["id"], remind_at=at(0.5))
    assert t["status"] == "open" and t["assignee_id"] == people.sales.user["id"]
    assert t["customer_name"] == c["name"] and t["overdue"] is False and t["reminded_at"] is None
    created = outbox_events(engine, "customer.task.created", t["id"])
    assert len(created) == 1 and created[0]["customer_id"] == c["id"]
    assert created[0]["data"]["title"] == "回访确认报价"
    # one's own task needs no assignment grant
    assert outbox_events(engine, "customer.assignment.granted", t["id"]) == []
    bad = [
        {"title": "x", "due_at": at(1), "remind_at": at(2)},                 # reminder after due
        {"title": " ", "due_at": at(1)},
        {"title": "x"},
        {"title": "x", "due_at": at(1), "repeat": "daily"},
        {"title": "x", "due_at": at(1), "related_type": "order"},            # without related_id
        {"title": "x", "due_at": at(1), "related_type": "invoice", "related_id": str(uuid.uuid4())},
        {"title": "x", "due_at": at(1), "related_type": "lead", "related_id": str(uuid.uuid4())},
    ]
    for body in bad:
        assert people.sales.post("/tasks", json=body).status_code == 422, body
    # another rep's customer: 404; assigning to someone else: only a manager (their team) or admin
    assert people.other.post("/tasks", json={"title": "x", "due_at": at(1), "customer_id": c["id"]}).status_code == 404
    assert people.sales.post("/tasks", json={"title": "x", "due_at": at(1),
                                             "assignee_id": people.other.user["id"]}).status_code == 403
    lead = people.sales.post("/leads", json={"name": "李四", "company": "精工"}).get_json()
    t2 = make_task(people.sales, related_type="lead", related_id=lead["id"])
    assert t2["related_type"] == "lead" and t2["customer_id"] is None
    assert people.other.post("/tasks", json={"title": "x", "due_at": at(1), "related_type": "lead",
                                             "related_id": lead["id"]}).status_code == 422


def test_visibility(people, engine):
    c = make_customer(people.sales)
    on_customer = make_task(people.sales, customer_id=c["id"])
    private = make_task(people.sales)
    for t in (on_customer, private):
        assert people.sales.get(f"/tasks/{t['id']}").status_code == 200
        assert people.manager.get(f"/tasks/{t['id']}").status_code == 200      # the rep's manager
        assert people.admin.get(f"/tasks/{t['id']}").status_code == 200
        for outsider in (people.other, people.manager2, people.finance):
            assert outsider.get(f"/tasks/{t['id']}").status_code == 404
            assert outsider.patch(f"/tasks/{t['id']}", json={"status": "done"}).status_code == 404
    for outsider in (people.other, people.manager2):
        assert outsider.get(f"/tasks?customer_id={c['id']}").get_json()["total"] == 0
        ids = {x["id"] for x in outsider.get("/tasks?per_page=200").get_json()["items"]}
        assert not ids & {on_customer["id"], private["id"]}
    team = {x["id"] for x in people.manager.get(
        f"/tasks?assignee_id={people.sales.user['id']}&per_page=200").get_json()["items"]}
    assert {on_customer["id"], private["id"]} <= team
    assert people.sales.get(f"/tasks?customer_id={c['id']}").get_json()["total"] == 1
    # an admin hands a task on the rep's customer to a finance user: they gain read access
    # through the assignment grant, see the task, and may move it (they are its assignee);
    # a manager may not hand one to someone outside their team
    assert people.manager.post("/tasks", json={"title": "x", "due_at": at(2), "customer_id": c["id"],
                                               "assignee_id": people.finance.user["id"]}).status_code == 403
    r = people.admin.post("/tasks", json={"title": "核对回款", "due_at": at(2), "customer_id": c["id"],
                                            "assignee_id": people.finance.user["id"]})
    assert r.status_code == 201
    handed = r.get_json()
    granted = outbox_events(engine, "customer.assignment.granted", handed["id"])
    assert granted and granted[0]["data"]["record_type"] == "task"
    assert people.finance.get(f"/tasks/{handed['id']}").status_code == 200
    assert people.finance.get(f"/customers/{c['id']}").status_code == 200
    assert people.finance.get(f"/tasks/{on_customer['id']}").status_code == 200  # reads the customer's tasks
    assert people.finance.patch(f"/tasks/{on_customer['id']}", json={"title": "x"}).status_code == 403
    assert people.finance.patch(f"/tasks/{handed['id']}", json={"status": "done"}).status_code == 200
    assert people.sales.get("/tasks?status=bogus").status_code == 422
    assert people.sales.get("/tasks?due_before=yesterday").status_code == 422
    due = people.sales.get(f"/tasks?customer_id={c['id']}&due_before={quote(at(1.5))}").get_json()
    assert [x["id"] for x in due["items"]] == [on_customer["id"]]


def test_state_machine_every_illegal_move_is_409(people, engine):
    legal = {("open", "done"), ("open", "cancelled"), ("done", "open"), ("cancelled", "open")}
    for start in ("open", "done", "cancelled"):
        for target in ("open", "done", "cancelled"):
            t = make_task(people.sales)
            if start != "open":
                assert people.sales.patch(f"/tasks/{t['id']}", json={"status": start}).status_code == 200
            r = people.sales.patch(f"/tasks/{t['id']}", json={"status": target})
            if (start, target) in legal:
                assert r.status_code == 200 and r.get_json()["status"] == target, (start, target)
            else:
                assert r.status_code == 409, (start, target)
                assert r.get_json()["error"]["code"] == "illegal_transition"
    t = make_task(people.sales)
    assert people.sales.patch(f"/tasks/{t['id']}", json={"status": "finished"}).status_code == 422
    assert people.sales.patch(f"/tasks/{t['id']}", json={}).status_code == 422
    assert people.sales.patch(f"/tasks/{t['id']}", json={"title": ""}).status_code == 422
    people.sales.patch(f"/tasks/{t['id']}", json={"status": "cancelled"})
    r = people.sales.patch(f"/tasks/{t['id']}", json={"title": "改标题"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "task_closed"
    r = people.sales.patch(f"/tasks/{t['id']}", json={"status": "open", "title": "改标题"})
    assert r.status_code == 200 and r.get_json()["title"] == "改标题"
    assert [e["event_type"] for e in outbox_events(engine, "customer.task.cancelled", t["id"])] == \
        ["customer.task.cancelled"]
    assert len(outbox_events(engine, "customer.task.reopened", t["id"])) == 1
    assert len(outbox_events(engine, "customer.task.updated", t["id"])) == 1


def test_edit_reschedule_and_complete_with_activity(people, engine):
    c = make_customer(people.sales)
    contact = people.sales.post(f"/customers/{c['id']}/contacts", json={"name": "王五"}).get_json()
    t = make_task(people.sales, customer_id=c["id"], remind_at=at(0.5))
    r = people.sales.patch(f"/tasks/{t['id']}", json={"due_at": at(3), "remind_at": at(4)})
    assert r.status_code == 422  # the reminder would come after the due time
    r = people.sales.patch(f"/tasks/{t['id']}", json={"due_at": at(3), "remind_at": None})
    assert r.status_code == 200 and r.get_json()["remind_at"] is None
    # an activity only with status done
    assert people.sales.patch(f"/tasks/{t['id']}", json={"activity": {"kind": "call", "summary": "x"}}).status_code == 422
    assert people.sales.patch(f"/tasks/{t['id']}", json={
        "status": "done", "activity": {"kind": "fax", "summary": "x"}}).status_code == 422
    assert people.sales.patch(f"/tasks/{t['id']}", json={
        "status": "done", "activity": {"kind": "call"}}).status_code == 422
    r = people.sales.patch(f"/tasks/{t['id']}", json={
        "status": "done", "activity": {"kind": "call", "summary": "电话确认报价，下周下单", "contact_id": contact["id"]}})
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["status"] == "done" and done["completed_at"] and done["activity_id"]
    act = people.sales.get(f"/activities/{done['activity_id']}").get_json()
    assert act["customer_id"] == c["id"] and act["kind"] == "call" and act["contact_id"] == contact["id"]
    completed = outbox_events(engine, "customer.task.completed", t["id"])
    assert len(completed) == 1 and completed[0]["data"]["activity_id"] == done["activity_id"]
    assert completed[0]["customer_id"] == c["id"]
    # a task without a customer has nowhere to log it (and nothing is half done)
    solo = make_task(people.sales)
    r = people.sales.patch(f"/tasks/{solo['id']}", json={"status": "done",
                                                         "activity": {"kind": "call", "summary": "x"}})
    assert r.status_code == 422
    assert people.sales.get(f"/tasks/{solo['id']}").get_json()["status"] == "open"


def test_recurring_tasks_come_back_once(people):
    weekly = make_task(people.sales, due_at="2026-01-05T02:00:00+00:00", remind_at="2026-01-05T01:00:00+00:00",
                       repeat="weekly")
    r = people.sales.patch(f"/tasks/{weekly['id']}", json={"status": "done"})
    nxt = people.sales.get(f"/tasks/{r.get_json()['next_id']}").get_json()
    assert nxt["due_at"].startswith("2026-01-12T02:00:00") and nxt["remind_at"].startswith("2026-01-12T01:00:00")
    assert nxt["status"] == "open" and nxt["repeat"] == "weekly" and nxt["previous_id"] == weekly["id"]
    # reopened and completed again: still one next occurrence
    people.sales.patch(f"/tasks/{weekly['id']}", json={"status": "open"})
    again = people.sales.patch(f"/tasks/{weekly['id']}", json={"status": "done"}).get_json()
    assert again["next_id"] == nxt["id"]
    monthly = make_task(people.sales, due_at="2026-01-31T02:00:00+00:00", repeat="monthly")
    nid = people.sales.patch(f"/tasks/{monthly['id']}", json={"status": "done"}).get_json()["next_id"]
    assert people.sales.get(f"/tasks/{nid}").get_json()["due_at"].startswith("2026-02-28T02:00:00")
    cancelled = make_task(people.sales, repeat="weekly")
    assert people.sales.patch(f"/tasks/{cancelled['id']}",
                              json={"status": "cancelled"}).get_json()["next_id"] is None


def _quote_event(quote_id: str, customer_id: str, owner_id: str, seq: int, status: str, until: str) -> Envelope:
    return Envelope(event_id=str(uuid.uuid4()), event_type="sales.quote.updated", version=1, producer="sales",
                    region="cn-east", aggregate_type="quote", aggregate_id=quote_id, aggregate_seq=seq,
                    customer_id=customer_id, actor_id=owner_id, correlation_id=None, causation_id=None,
                    data={"id": quote_id, "number": "QT-2026-000777", "customer_id": customer_id,
                          "owner_id": owner_id, "opportunity_id": None, "status": status, "valid_until": until,
                          "net": "1.00", "tax": "0.13", "gross": "1.13", "order_id": None,
                          "created_at": "2026-11-22T08:00:00+00:00"})


def test_calendar_sources_and_whose_calendar(people, engine):
    rep = people.sales
    c = make_customer(rep)
    monday = (NOW.date() - dt.timedelta(days=NOW.weekday()))
    task = make_task(rep, customer_id=c["id"], title="日历任务", due_at=at(1))
    gone = make_task(rep, title="取消的任务", due_at=at(1))
    rep.patch(f"/tasks/{gone['id']}", json={"status": "cancelled"})
    plan = rep.post("/work-plans", json={"week_start": monday.isoformat(), "plan": "拜访华东机电\n拜访精工"})
    assert plan.status_code in (201, 409)
    ooo = rep.post("/out-of-office", json={"customer_id": c["id"], "start_at": at(2), "end_at": at(2, 4),
                                           "destination": "嘉定", "purpose": "客户拜访"}).get_json()
    order = rep.post("/service-orders", json={"customer_id": c["id"], "kind": "repair", "subject": "水泵异响",
                                              "assignee_id": rep.user["id"], "due_at": at(3)})
    assert order.status_code == 201, order.get_json()
    order = order.get_json()
    quote_id = str(uuid.uuid4())
    with engine.begin() as conn:
        until = (NOW.date() + dt.timedelta(days=3)).isoformat()
        on_quote(conn, _quote_event(quote_id, c["id"], rep.user["id"], 2, "sent", until), None)
        # an older snapshot arriving late changes nothing
        on_quote(conn, _quote_event(quote_id, c["id"], rep.user["id"], 1, "accepted", until), None)
    window = f"from={(NOW - dt.timedelta(days=1)).date()}&to={(NOW + dt.timedelta(days=8)).date()}"
    r = rep.get(f"/calendar?{window}")
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    by_kind = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)
    assert task["id"] in [i["id"] for i in by_kind["task"]]
    assert gone["id"] not in [i["id"] for i in by_kind["task"]]
    assert any(i["title"] == "拜访华东机电" and i["all_day"] for i in by_kind["planned_visit"])
    assert [i for i in by_kind["out_of_office"] if i["id"] == ooo["id"]][0]["customer_name"] == c["name"]
    q = [i for i in by_kind["quote_expiry"] if i["id"] == quote_id]
    assert q and q[0]["title"] == "QT-2026-000777" and q[0]["status"] == "sent"
    so = [i for i in by_kind["service_order"] if i["id"] == order["id"]]
    assert so and "水泵异响" in so[0]["title"] and so[0]["status"] == "open" and so[0]["customer_id"] == c["id"]
    assert [i["starts_at"] for i in items] == sorted(i["starts_at"] for i in items)
    # the quote accepted: no longer a deadline
    with engine.begin() as conn:
        on_quote(conn, _quote_event(quote_id, c["id"], rep.user["id"], 3, "accepted", until), None)
    assert quote_id not in [i["id"] for i in rep.get(f"/calendar?{window}").get_json()["items"]]
    # whose calendar: one's own; a manager their team's; an admin anyone's
    mine = {i["id"] for i in rep.get(f"/calendar?{window}").get_json()["items"]}
    as_manager = people.manager.get(f"/calendar?{window}&user_id={rep.user['id']}")
    assert as_manager.status_code == 200 and {i["id"] for i in as_manager.get_json()["items"]} == mine
    assert people.admin.get(f"/calendar?{window}&user_id={rep.user['id']}").status_code == 200
    assert people.manager2.get(f"/calendar?{window}&user_id={rep.user['id']}").status_code == 403
    assert people.other.get(f"/calendar?{window}&user_id={rep.user['id']}").status_code == 403
    assert task["id"] not in {i["id"] for i in people.other.get(f"/calendar?{window}").get_json()["items"]}
    assert rep.get("/calendar?from=2026-12-01").status_code == 422
    assert rep.get("/calendar?from=2026-12-01&to=2026-11-01").status_code == 422
    assert rep.get("/calendar?from=2020-01-01&to=2026-01-01").status_code == 422


def _feed(app, path: str, secret: str):
    return app.test_client().get(path, headers={IDENTITY_HEADER: sign_public_call(secret)})


def test_ics_feed_token_lifecycle(people, app, settings):
    rep = people.sales
    c = make_customer(rep)
    task = make_task(rep, customer_id=c["id"], title="订阅日历的任务", due_at=at(1))
    assert rep.get("/calendar/feed").get_json() == {"active": False, "created_at": None}
    r = rep.post("/calendar/feed")
    assert r.status_code == 201
    issued = r.get_json()
    assert issued["active"] and issued["path"] == f"/calendar/feed/{issued['token']}.ics"
    status = rep.get("/calendar/feed").get_json()
    assert status["active"] and "token" not in status
    # read without a user: the gateway's public call
    r = _feed(app, issued["path"], settings.internal_secret)
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(r.data)
    events = {str(e.get("uid")): e for e in cal.walk("VEVENT")}
    assert f"task-{task['id']}@crm" in events
    ev = events[f"task-{task['id']}@crm"]
    assert str(ev.get("summary")) == "任务：订阅日历的任务" and str(ev.get("description")) == c["name"]
    assert ev.decoded("dtstart") == dt.datetime.fromisoformat(task["due_at"])
    en = icalendar.Calendar.from_ical(_feed(app, issued["path"] + "?lang=en", settings.internal_secret).data)
    assert "Task: 订阅日历的任务" in [str(e.get("summary")) for e in en.walk("VEVENT")]
    # without the gateway's signature: refused; a wrong token: 404
    assert app.test_client().get(issued["path"]).status_code == 401
    assert _feed(app, "/calendar/feed/" + "x" * 43 + ".ics", settings.internal_secret).status_code == 404
    # the public call opens nothing else
    assert app.test_client().get("/tasks", headers={
        IDENTITY_HEADER: sign_public_call(settings.internal_secret)}).status_code == 401
    # regenerate: the old URL stops working
    newer = rep.post("/calendar/feed").get_json()
    assert newer["token"] != issued["token"]
    assert _feed(app, issued["path"], settings.internal_secret).status_code == 404
    assert _feed(app, newer["path"], settings.internal_secret).status_code == 200
    # revoke
    assert rep.delete("/calendar/feed").status_code == 204
    assert _feed(app, newer["path"], settings.internal_secret).status_code == 404
    assert rep.get("/calendar/feed").get_json()["active"] is False


def test_feed_shows_exactly_the_users_calendar(people, app, settings):
    """Another rep's feed never shows this rep's customer's tasks; the rep's own feed holds
    everything their calendar lists for the feed's window."""
    c = make_customer(people.sales)
    t = make_task(people.sales, customer_id=c["id"], title="别人看不到", due_at=at(1))
    token = people.other.post("/calendar/feed").get_json()
    cal = icalendar.Calendar.from_ical(_feed(app, token["path"], settings.internal_secret).data)
    assert f"task-{t['id']}@crm" not in {str(e.get("uid")) for e in cal.walk("VEVENT")}
    mine = people.sales.post("/calendar/feed").get_json()
    cal = icalendar.Calendar.from_ical(_feed(app, mine["path"], settings.internal_secret).data)
    uids = {str(e.get("uid")) for e in cal.walk("VEVENT")}
    window = f"from={(NOW - dt.timedelta(days=31)).isoformat()}&to={(NOW + dt.timedelta(days=180)).isoformat()}"
    listed = {f"{i['kind']}-{i['id']}@crm" for i in people.sales.get(
        "/calendar?" + window.replace("+", "%2B")).get_json()["items"]}  # (the offset's + encoded)
    assert listed <= uids and f"task-{t['id']}@crm" in uids
