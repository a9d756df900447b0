"""Assignments give access (issue 12.2): assigning a complaint to any active user gives
them the complaint and READ access to its customer on every path of the customer service
(record, list, search, contacts, activities, complaints), never write access; reassigning
takes it away unless they see the customer otherwise; an inactive assignee is 422."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.clients import new_user, seed_users
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


def make_customer(client) -> dict:
    name = f"华强电子{uuid.uuid4().hex[:6]}"
    r = client.post("/customers", json={"name": name})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def complaint(client, customer_id: str, assignee_id: str, subject: str = "到货包装破损") -> dict:
    r = client.post("/complaints", json={"customer_id": customer_id, "subject": subject, "assignee_id": assignee_id})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def ids(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def reads_customer(client, c: dict) -> bool:
    """Whether the client sees the customer on each read path (all must agree)."""
    seen = {
        "record": client.get(f"/customers/{c['id']}").status_code == 200,
        "list": c["id"] in ids(client.get("/customers?per_page=200")),
        "search": c["id"] in ids(client.get("/customers", query_string={"q": c["name"][-6:]})),
        "contacts": client.get(f"/contacts?customer_id={c['id']}").get_json()["total"] == 1,
        "activities": client.get(f"/activities?customer_id={c['id']}").get_json()["total"] == 1,
        "shares": client.get(f"/customers/{c['id']}/shares").status_code == 200,
    }
    assert len(set(seen.values())) == 1, seen
    return seen["record"]


@pytest.fixture
def case(people):
    """A customer of the rep (people.sales) with a contact and an activity; people.other
    (another manager's rep) does not see it."""
    c = make_customer(people.sales)
    assert people.sales.post(f"/customers/{c['id']}/contacts", json={"name": "王经理"}).status_code == 201
    assert people.sales.post("/activities", json={"customer_id": c["id"], "kind": "call",
                                                  "summary": "投诉电话"}).status_code == 201
    assert not reads_customer(people.other, c)
    return c


def test_the_assignee_reads_the_customer_and_handles_the_complaint(people, engine, case):
    comp = complaint(people.sales, case["id"], people.other.user["id"])
    other = people.other
    assert reads_customer(other, case)
    assert other.get(f"/complaints/{comp['id']}").status_code == 200
    assert comp["id"] in ids(other.get("/complaints"))
    assert comp["id"] in ids(other.get(f"/complaints?assignee_id={other.user['id']}"))
    # the assignee handles the complaint
    r = other.patch(f"/complaints/{comp['id']}", json={"status": "in_progress"})
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress"
    # ... but may not change the customer or add to it: 403 (they see it, so not 404)
    for method, path, body in (
        ("patch", f"/customers/{case['id']}", {"phone": "021-1"}),
        ("delete", f"/customers/{case['id']}", None),
        ("post", f"/customers/{case['id']}/lost", {"reason": "x"}),
        ("post", f"/customers/{case['id']}/contacts", {"name": "x"}),
        ("post", "/activities", {"customer_id": case["id"], "kind": "note", "summary": "x"}),
        ("post", "/complaints", {"customer_id": case["id"], "subject": "x", "assignee_id": other.user["id"]}),
        ("post", f"/customers/{case['id']}/shares", {"user_id": other.user["id"]}),
        ("post", f"/customers/{case['id']}/transfer", {"owner_id": other.user["id"]}),
    ):
        r = getattr(other, method)(path, json=body) if body is not None else getattr(other, method)(path)
        assert r.status_code == 403, (method, path, r.status_code, r.get_json())
    contact = people.sales.get(f"/contacts?customer_id={case['id']}").get_json()["items"][0]
    assert other.get(f"/contacts/{contact['id']}").status_code == 200
    assert other.patch(f"/contacts/{contact['id']}", json={"title": "x"}).status_code == 403
    assert people.sales.get(f"/customers/{case['id']}").get_json()["phone"] is None  # unchanged
    # a grant is personal: the assignee's manager does not inherit it
    assert not reads_customer(people.manager2, case)
    # on the customer's timeline: who got access through what
    granted = outbox_events(engine, "customer.assignment.granted", comp["id"])
    assert len(granted) == 1
    event = granted[0]
    assert event["customer_id"] == case["id"] and event["actor_id"] == people.sales.user["id"]
    assert event["data"] == {"record_type": "complaint", "record_id": comp["id"], "customer_id": case["id"],
                             "label": "到货包装破损", "user_id": other.user["id"],
                             "user_name": other.user["full_name"], "users": [other.user["id"]]}


def test_reassigning_takes_the_access_away(people, engine, case):
    comp = complaint(people.sales, case["id"], people.other.user["id"])
    assert reads_customer(people.other, case)
    # the assignee passes it on to a warehouse colleague (any active user may be assigned)
    r = people.other.patch(f"/complaints/{comp['id']}", json={"assignee_id": people.warehouse.user["id"]})
    assert r.status_code == 200, r.get_json()
    assert not reads_customer(people.other, case)
    assert people.other.get(f"/complaints/{comp['id']}").status_code == 404
    assert comp["id"] not in ids(people.other.get("/complaints"))
    assert people.other.patch(f"/complaints/{comp['id']}", json={"status": "resolved"}).status_code == 404
    assert reads_customer(people.warehouse, case)
    assert people.warehouse.get("/customers").get_json()["total"] == 1  # counted on the fast path too
    revoked = outbox_events(engine, "customer.assignment.revoked", comp["id"])
    assert [(e["data"]["user_id"], e["data"]["users"]) for e in revoked] == [
        (people.other.user["id"], [people.warehouse.user["id"]])]
    granted = outbox_events(engine, "customer.assignment.granted", comp["id"])
    assert [e["data"]["user_id"] for e in granted] == [people.other.user["id"], people.warehouse.user["id"]]
    # the newest event (by sequence) carries the list after the change, for the copies
    assert revoked[0]["aggregate_seq"] < granted[-1]["aggregate_seq"]
    assert granted[-1]["data"]["users"] == [people.warehouse.user["id"]]
    # reassigning to the same user again changes nothing
    r = people.sales.patch(f"/complaints/{comp['id']}", json={"assignee_id": people.warehouse.user["id"],
                                                               "status": "in_progress"})
    assert r.status_code == 200
    assert len(outbox_events(engine, "customer.assignment.granted", comp["id"])) == 2


def test_other_access_survives_the_reassignment(people, case):
    """Unassigning removes the grant only: a share, the hierarchy or another assignment
    still gives access."""
    # a second complaint for the same assignee: one reassignment leaves the other grant
    first = complaint(people.sales, case["id"], people.other.user["id"], "第一件")
    second = complaint(people.sales, case["id"], people.other.user["id"], "第二件")
    assert people.sales.patch(f"/complaints/{first['id']}",
                              json={"assignee_id": people.sales.user["id"]}).status_code == 200
    assert reads_customer(people.other, case)
    assert people.other.get(f"/complaints/{second['id']}").status_code == 200
    # a share: after the last reassignment the shared user still sees (and may change) it
    assert people.sales.post(f"/customers/{case['id']}/shares",
                             json={"user_id": people.other.user["id"]}).status_code == 201
    assert people.sales.patch(f"/complaints/{second['id']}",
                              json={"assignee_id": people.sales.user["id"]}).status_code == 200
    assert reads_customer(people.other, case)
    assert people.other.patch(f"/customers/{case['id']}", json={"industry": "电子"}).status_code == 200
    # the hierarchy: the rep's manager, assigned and unassigned, keeps seeing it
    third = complaint(people.sales, case["id"], people.manager.user["id"], "第三件")
    assert people.sales.patch(f"/complaints/{third['id']}",
                              json={"assignee_id": people.sales.user["id"]}).status_code == 200
    assert reads_customer(people.manager, case)


def test_only_inactive_or_unknown_users_are_refused(people, engine, case, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "0.3")
    gone = new_user("sales")
    gone["active"] = False
    seed_users(engine, gone)
    for assignee in (gone["id"], str(uuid.uuid4())):
        r = people.sales.post("/complaints", json={"customer_id": case["id"], "subject": "x", "assignee_id": assignee})
        assert r.status_code == 422, r.get_json()
        assert "assignee_id" in r.get_json()["error"]["details"]
    comp = complaint(people.sales, case["id"], people.finance.user["id"])
    r = people.sales.patch(f"/complaints/{comp['id']}", json={"assignee_id": gone["id"]})
    assert r.status_code == 422 and "assignee_id" in r.get_json()["error"]["details"]
    assert not reads_customer(people.other, case)
    # every role may be assigned: finance now reads the customer (but not another one)
    assert reads_customer(people.finance, case)
    assert not reads_customer(people.finance, make_customer(people.sales))
