"""Notifications raised from events: who gets what, once; unread first; marking read."""

from __future__ import annotations

import pytest

from tests.integration.tracking import scenario
from tests.integration.tracking.events import envelope, payload, uid

pytestmark = pytest.mark.integration


@pytest.fixture
def world(apply):
    s = scenario.build()
    apply(s.events)
    return s


def kinds(client) -> list[str]:
    return [i["kind"] for i in client.get("/notifications").get_json()["items"]]


def test_each_rule_reaches_its_recipient(world, apply, as_user):
    u, ids = world.users, world.ids
    # from the scenario: O4 rejected -> R1; E1 approved, E2 rejected -> R1 (submitter)
    assert sorted(kinds(as_user(u["R1"]))) == ["expense_approved", "expense_rejected", "order_rejected"]
    complaint = payload("customer.complaint.created", id=uid(), customer_id=ids["C1"], assignee_id=u["R2"]["id"],
                        created_by=u["R1"]["id"])
    approval_order = {**payload("sales.order.approval_requested"), "id": uid(), "owner_id": u["R1"]["id"],
                      "customer_id": ids["C1"], "number": "SO-9"}
    evs = [
        envelope("customer.complaint.created", complaint, aggregate_type="complaint", aggregate_id=complaint["id"],
                 seq=1, at="2026-11-21T00:00:00+00:00", customer_id=ids["C1"], actor_id=u["R1"]["id"]),
        envelope("customer.complaint.assigned", complaint, aggregate_type="complaint", aggregate_id=complaint["id"],
                 seq=2, at="2026-11-21T00:00:01+00:00", customer_id=ids["C1"], actor_id=u["R1"]["id"]),
        envelope("sales.order.approval_requested", approval_order, aggregate_type="order",
                 aggregate_id=approval_order["id"], seq=2, at="2026-11-21T00:00:02+00:00", customer_id=ids["C1"],
                 actor_id=u["R1"]["id"]),
        envelope("inventory.stock.low", payload("inventory.stock.low", product_id=ids["P1"]),
                 aggregate_type="product", aggregate_id=ids["P1"], seq=9, at="2026-11-21T00:00:03+00:00"),
    ]
    apply(evs)
    # created + assigned: one notification; E3 paid by finance (scenario) -> R2
    assert sorted(kinds(as_user(u["R2"]))) == ["complaint_assigned", "expense_paid"]
    assert kinds(as_user(u["M"])) == ["order_approval_requested"]  # R1's manager, not M2
    assert kinds(as_user(u["M2"])) == []
    assert kinds(as_user(u["W"])) == ["stock_low"]
    item = as_user(u["M"]).get("/notifications").get_json()["items"][0]
    assert "SO-9" in item["message"] and "SO-9" in item["message_zh"] and item["read"] is False


def test_redelivery_adds_no_second_notification(world, apply, as_user):
    u = world.users
    low = envelope("inventory.stock.low", payload("inventory.stock.low"), aggregate_type="product",
                   aggregate_id=uid(), seq=1, at="2026-11-21T00:00:00+00:00")
    apply([low])
    apply([low])
    assert kinds(as_user(u["W"])) == ["stock_low"]


def test_unread_first_and_marking_read(world, as_user):
    client = as_user(world.users["R1"])
    items = client.get("/notifications").get_json()["items"]
    assert len(items) == 3
    oldest = items[-1]
    r = client.post(f"/notifications/{oldest['id']}/read")
    assert r.status_code == 200 and r.get_json()["read"] is True
    body = client.get("/notifications").get_json()
    assert [i["read"] for i in body["items"]] == [False, False, True]
    assert body["unread"] == 2 and body["total"] == 3
    assert len(client.get("/notifications", query_string={"unread": "true"}).get_json()["items"]) == 2
    # someone else's notification, or no id at all: 404
    assert as_user(world.users["R2"]).post(f"/notifications/{oldest['id']}/read").status_code == 404
    assert client.post("/notifications/not-an-id/read").status_code == 404
    assert client.post("/notifications/read-all").get_json() == {"updated": 2}
    assert client.get("/notifications").get_json()["unread"] == 0


def test_share_request_tells_the_owner_who_asks(world, apply, as_user):
    u, ids = world.users, world.ids
    ask = payload("customer.share.requested", customer_id=ids["C1"], customer_name="华东机电", owner_id=u["R1"]["id"],
                  requester_id=u["R2"]["id"], requester_name="王芳")
    for seq in (50, 51):  # asked twice: one notification
        apply([envelope("customer.share.requested", ask, aggregate_type="customer", aggregate_id=ids["C1"], seq=seq,
                        at=f"2026-11-21T00:00:{seq}+00:00", customer_id=ids["C1"], actor_id=u["R2"]["id"])])
    owner = as_user(u["R1"]).get("/notifications").get_json()["items"]
    [item] = [i for i in owner if i["kind"] == "share_requested"]
    assert (item["subject_type"], item["subject_id"], item["customer_id"]) == ("customer", ids["C1"], ids["C1"])
    assert "王芳" in item["message_zh"] and "华东机电" in item["message_zh"] and "王芳" in item["message"]
    # the requester (who may not see C1) gets nothing and its timeline stays closed to them
    assert "share_requested" not in kinds(as_user(u["R2"]))
    assert as_user(u["R2"]).get("/timeline", query_string={"customer_id": ids["C1"]}).status_code == 404
