"""Activities and comments, complaints, work plans, out-of-office."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def make(client, **extra):
    r = client.post("/customers", json={"name": f"客户{uuid.uuid4().hex[:8]}", **extra})
    assert r.status_code == 201
    return r.get_json()


def test_activities_and_comments(people, engine):
    c = make(people.sales)
    r = people.sales.post("/activities", json={"customer_id": c["id"], "kind": "visit", "summary": "拜访采购部",
                                               "occurred_at": "2026-11-20T09:30:00+08:00"})
    assert r.status_code == 201
    act = r.get_json()
    assert act["occurred_at"].startswith("2026-11-20T01:30:00") and act["author_id"] == people.sales.user["id"]
    r2 = people.sales.post("/activities", json={"customer_id": c["id"], "kind": "call", "summary": "电话回访"})
    assert r2.status_code == 201
    assert people.sales.post("/activities", json={"customer_id": c["id"], "kind": "fax", "summary": "x"}).status_code == 422
    assert people.sales.post("/activities", json={"kind": "call", "summary": "x"}).status_code == 422
    assert people.other.post("/activities", json={"customer_id": c["id"], "kind": "call",
                                                  "summary": "x"}).status_code == 404
    listed = people.sales.get(f"/activities?customer_id={c['id']}").get_json()
    assert [a["kind"] for a in listed["items"]] == ["call", "visit"]  # newest occurred first
    assert people.other.get(f"/activities?customer_id={c['id']}").get_json()["total"] == 0
    assert people.sales.get(f"/activities?customer_id={c['id']}&kind=visit").get_json()["total"] == 1
    # comments: the rep's manager replies; the rep may not; another manager does not see it
    assert people.sales.post(f"/activities/{act['id']}/comments", json={"text": "自评"}).status_code == 403
    assert people.manager2.post(f"/activities/{act['id']}/comments", json={"text": "x"}).status_code == 404
    assert people.manager.post(f"/activities/{act['id']}/comments", json={}).status_code == 422
    r = people.manager.post(f"/activities/{act['id']}/comments", json={"text": "下次带上技术支持"})
    assert r.status_code == 201
    full = people.sales.get(f"/activities/{act['id']}").get_json()
    assert full["comments"][0]["text"] == "下次带上技术支持"
    assert people.sales.get(f"/activities/{act['id']}/comments").get_json()["total"] == 1
    ev = outbox_events(engine, "customer.activity.commented", act["id"])
    assert ev[0]["customer_id"] == c["id"] and ev[0]["data"]["activity_author_id"] == people.sales.user["id"]
    assert outbox_events(engine, "customer.activity.logged", act["id"])[0]["customer_id"] == c["id"]


def test_complaints_flow(people, engine):
    c = make(people.sales)
    body = {"customer_id": c["id"], "subject": "到货破损", "assignee_id": people.manager.user["id"]}
    # (an assignee who cannot see the customer is no longer refused: the assignment gives
    # them read access, issue 12.2; tests/integration/customer/test_assignment_grants.py)
    assert people.sales.post("/complaints", json={**body, "assignee_id": str(uuid.uuid4())}).status_code == 422
    assert people.sales.post("/complaints", json={"customer_id": c["id"]}).status_code == 422
    assert people.other.post("/complaints", json=body).status_code == 404
    r = people.sales.post("/complaints", json=body)
    assert r.status_code == 201
    comp = r.get_json()
    assert comp["status"] == "open"
    assigned = outbox_events(engine, "customer.complaint.assigned", comp["id"])
    assert len(assigned) == 1 and assigned[0]["data"]["assignee_id"] == people.manager.user["id"]
    assert assigned[0]["customer_id"] == c["id"]
    assert people.sales.patch(f"/complaints/{comp['id']}", json={"status": "resolved"}).status_code == 409
    assert people.sales.patch(f"/complaints/{comp['id']}", json={"status": "open"}).status_code == 409
    assert people.sales.patch(f"/complaints/{comp['id']}", json={"status": "closed"}).status_code == 422
    assert people.sales.patch(f"/complaints/{comp['id']}", json={}).status_code == 422
    assert people.other.patch(f"/complaints/{comp['id']}", json={"status": "in_progress"}).status_code == 404
    r = people.manager.patch(f"/complaints/{comp['id']}", json={"status": "in_progress"})
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress"
    r = people.sales.patch(f"/complaints/{comp['id']}", json={"assignee_id": people.sales.user["id"]})
    assert r.status_code == 200 and r.get_json()["assignee_id"] == people.sales.user["id"]
    assert len(outbox_events(engine, "customer.complaint.assigned", comp["id"])) == 2
    r = people.sales.patch(f"/complaints/{comp['id']}", json={"status": "resolved"})
    assert r.status_code == 200 and r.get_json()["resolved_at"]
    r = people.sales.patch(f"/complaints/{comp['id']}", json={"status": "in_progress"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "illegal_transition"
    changes = outbox_events(engine, "customer.complaint.status_changed", comp["id"])
    assert [(e["data"]["previous_status"], e["data"]["status"]) for e in changes] == [
        ("open", "in_progress"), ("in_progress", "resolved")]
    assert people.sales.get(f"/complaints?customer_id={c['id']}").get_json()["total"] == 1
    assert people.sales.get("/complaints?status=resolved").get_json()["total"] >= 1
    assert people.other.get(f"/complaints?customer_id={c['id']}").get_json()["total"] == 0
    assert people.other.get(f"/complaints/{comp['id']}").status_code == 404


def test_work_plans(people, engine):
    monday = "2026-11-23"
    assert people.sales.post("/work-plans", json={"week_start": "2026-11-24", "plan": "x"}).status_code == 422
    r = people.sales.post("/work-plans", json={"week_start": monday, "plan": "拜访三家客户"})
    assert r.status_code == 201
    plan = r.get_json()
    assert people.sales.post("/work-plans", json={"week_start": monday, "plan": "again"}).status_code == 409
    r = people.sales.patch(f"/work-plans/{plan['id']}", json={"summary": "完成两家"})
    assert r.status_code == 200 and r.get_json()["summary"] == "完成两家"
    assert people.other.patch(f"/work-plans/{plan['id']}", json={"summary": "x"}).status_code == 404
    assert people.manager.get(f"/work-plans/{plan['id']}").status_code == 200
    assert people.manager2.get(f"/work-plans/{plan['id']}").status_code == 404
    mine = people.manager.get(f"/work-plans?user_id={people.sales.user['id']}").get_json()
    assert mine["total"] == 1
    assert people.other.get(f"/work-plans?user_id={people.sales.user['id']}").get_json()["total"] == 0
    assert len(outbox_events(engine, "customer.work_plan.updated", plan["id"])) == 1


def test_out_of_office(people, engine):
    c = make(people.sales)
    body = {"customer_id": c["id"], "start_at": "2026-11-24T09:00:00+08:00", "end_at": "2026-11-24T17:00:00+08:00",
            "destination": "上海嘉定", "purpose": "客户拜访"}
    assert people.sales.post("/out-of-office", json={**body, "end_at": "2026-11-24T08:00:00+08:00"}).status_code == 422
    assert people.sales.post("/out-of-office", json={**body, "start_at": "2026-11-24T09:00:00"}).status_code == 422
    assert people.other.post("/out-of-office", json=body).status_code == 404
    r = people.sales.post("/out-of-office", json=body)
    assert r.status_code == 201
    absence = r.get_json()
    assert people.manager.get(f"/out-of-office?customer_id={c['id']}").get_json()["total"] == 1
    assert people.other.get(f"/out-of-office?customer_id={c['id']}").get_json()["total"] == 0
    assert outbox_events(engine, "customer.out_of_office.registered", absence["id"])[0]["customer_id"] == c["id"]
