"""Lead assignment and lead activities (issue 16) against real PostgreSQL: who may assign to
whom, visibility following the new owner, the event tracking notifies from, activities on a
lead and their move to the customer at conversion."""

from __future__ import annotations

import uuid

import pytest

from shared.events import validate as validate_event
from shared.testing.clients import new_user, seed_users
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def _lead(client, **extra):
    r = client.post("/leads", json={"name": "钱十", "company": f"无锡{uuid.uuid4().hex[:8]}机械有限公司", **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_assign_lead_rules_visibility_and_event(people, engine):
    lead = _lead(people.sales)
    teammate = new_user("sales", manager_id=people.manager.user["id"])
    seed_users(engine, teammate)
    path = f"/leads/{lead['id']}/assign"
    # a rep may not push their lead onto a colleague; others do not see it at all
    r = people.sales.post(path, json={"owner_id": teammate["id"]})
    assert r.status_code == 403 and r.get_json()["error"]["details"] == {"owner_id": ["not a user you may assign to"]}
    assert people.other.post(path, json={"owner_id": people.other.user["id"]}).status_code == 404
    assert people.manager2.post(path, json={"owner_id": people.manager2.user["id"]}).status_code == 404
    assert people.manager.post(path, json={}).status_code == 422
    assert people.manager.post(path, json={"owner_id": str(uuid.uuid4())}).status_code == 422
    assert people.manager.post(path, json={"owner_id": people.finance.user["id"]}).status_code == 422
    # outside the manager's team: 403
    assert people.manager.post(path, json={"owner_id": people.other.user["id"]}).status_code == 403
    r = people.manager.post(path, json={"owner_id": teammate["id"]})
    assert r.status_code == 200 and r.get_json()["owner_id"] == teammate["id"]
    # visibility follows the owner: the former owner no longer sees it
    assert people.sales.get(f"/leads/{lead['id']}").status_code == 404
    assert lead["id"] not in {x["id"] for x in people.sales.get("/leads").get_json()["items"]}
    events = outbox_events(engine, "customer.lead.assigned", lead["id"])
    assert len(events) == 1
    data = events[0]["data"]
    assert data["owner_id"] == teammate["id"] and data["previous_owner_id"] == people.sales.user["id"]
    assert events[0]["actor_id"] == people.manager.user["id"]
    validate_event("customer.lead.assigned", data)
    # the same owner again: nothing happens, no event
    assert people.manager.post(path, json={"owner_id": teammate["id"]}).status_code == 200
    assert len(outbox_events(engine, "customer.lead.assigned", lead["id"])) == 1
    # an admin assigns anywhere; a converted lead cannot move
    assert people.admin.post(path, json={"owner_id": people.other.user["id"]}).status_code == 200
    assert people.other.get(f"/leads/{lead['id']}").status_code == 200
    assert people.other.post(f"/leads/{lead['id']}/convert", json={}).status_code == 200
    r = people.admin.post(path, json={"owner_id": people.sales.user["id"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "lead_already_converted"


def test_lead_activities_carried_over_at_conversion(people, engine):
    lead = _lead(people.sales)
    r = people.sales.post("/activities", json={"lead_id": lead["id"], "kind": "call", "summary": "电话沟通，约周三拜访",
                                               "occurred_at": "2026-11-20T02:00:00+00:00"})
    assert r.status_code == 201, r.get_json()
    call = r.get_json()
    assert call["lead_id"] == lead["id"] and call["customer_id"] is None
    visit = people.sales.post("/activities", json={"lead_id": lead["id"], "kind": "visit",
                                                   "summary": "上门演示"}).get_json()
    # bad input and visibility
    assert people.sales.post("/activities", json={"kind": "note", "summary": "x"}).status_code == 422
    assert people.sales.post("/activities", json={"lead_id": lead["id"], "customer_id": str(uuid.uuid4()),
                                                  "kind": "note", "summary": "x"}).status_code == 422
    assert people.sales.post("/activities", json={"lead_id": lead["id"], "kind": "dance",
                                                  "summary": "x"}).status_code == 422
    assert people.other.post("/activities", json={"lead_id": lead["id"], "kind": "note",
                                                  "summary": "x"}).status_code == 404
    assert people.other.get(f"/activities?lead_id={lead['id']}").status_code == 404
    assert people.other.get(f"/activities/{call['id']}").status_code == 404
    assert people.manager.get(f"/activities/{call['id']}").status_code == 200
    listed = people.sales.get(f"/activities?lead_id={lead['id']}").get_json()
    assert [a["id"] for a in listed["items"]] == [visit["id"], call["id"]] and listed["total"] == 2
    # a lead's activity is not in the customers' activity list, even for an admin
    assert call["id"] not in {a["id"] for a in people.admin.get("/activities?per_page=200").get_json()["items"]}
    # comments wait for the customer
    r = people.manager.post(f"/activities/{call['id']}/comments", json={"text": "好"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "lead_activity"
    logged = outbox_events(engine, "customer.lead_activity.logged", call["id"])
    assert len(logged) == 1 and logged[0]["customer_id"] is None
    validate_event("customer.lead_activity.logged", logged[0]["data"])

    converted = people.sales.post(f"/leads/{lead['id']}/convert", json={}).get_json()
    cid = converted["customer_id"]
    on_customer = people.sales.get(f"/activities?customer_id={cid}").get_json()["items"]
    assert {a["id"] for a in on_customer} == {call["id"], visit["id"]}
    assert all(a["contact_id"] == converted["contact_id"] and a["lead_id"] == lead["id"] for a in on_customer)
    # still listed on the lead; announced for the customer's timeline, once each
    assert people.sales.get(f"/activities?lead_id={lead['id']}").get_json()["total"] == 2
    moved = outbox_events(engine, "customer.activity.logged", call["id"])
    assert len(moved) == 1 and moved[0]["customer_id"] == cid
    validate_event("customer.activity.logged", moved[0]["data"])
    # now a manager may comment; no more activities on the converted lead
    assert people.manager.post(f"/activities/{call['id']}/comments", json={"text": "跟进得好"}).status_code == 201
    r = people.sales.post("/activities", json={"lead_id": lead["id"], "kind": "note", "summary": "x"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "lead_already_converted"
