"""Turning a held order down (the approval inbox's reject): the same four-eyes rule as
approving, a reason required, pending_approval only, sales.order.rejected in the outbox."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def held_order(world, who: str = "rep1") -> dict:
    pid = world.product(list_price="100.00")
    r = world.client(who).post("/orders", json={
        "customer_id": world.customers["rep1"],
        "lines": [{"product_id": pid, "quantity": 1, "tax_rate": 13, "discount_pct": "40"}]})
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending_approval"
    return r.json


def test_the_manager_above_the_owner_rejects_with_a_reason(world):
    order = held_order(world)
    r = world.client("manager").post(f"/orders/{order['id']}/reject", json={"reason": "折扣过高，请重新报价"})
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["reason"], r.json["approved_by"]) == ("rejected", "折扣过高，请重新报价", None)
    assert world.event_types(order["id"]) == ["sales.order.created", "sales.order.approval_requested",
                                              "sales.order.rejected"]
    event = world.events(order["id"])[-1]
    assert event["data"]["reason"] == "折扣过高，请重新报价" and event["actor_id"] == world.users["manager"]["id"]
    assert world.client("rep1").get(f"/orders/{order['id']}").json["status"] == "rejected"
    # decided: neither approve nor reject again
    again = world.client("manager").post(f"/orders/{order['id']}/approve")
    assert again.status_code == 409 and again.json["error"]["code"] == "illegal_transition"
    twice = world.client("manager").post(f"/orders/{order['id']}/reject", json={"reason": "x"})
    assert twice.status_code == 409


def test_who_may_not_approve_may_not_reject(world):
    order = held_order(world, who="manager")  # created by the manager: four eyes
    for who in ("manager", "rep1", "boss"):  # the creator, the owner, a manager of someone else
        r = world.client(who).post(f"/orders/{order['id']}/reject", json={"reason": "不行"})
        assert r.status_code in (403, 404), (who, r.json)
    assert world.client("rep1").get(f"/orders/{order['id']}").json["status"] == "pending_approval"
    assert world.client("top").post(f"/orders/{order['id']}/reject", json={"reason": "不行"}).status_code == 200


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": None}])
def test_a_reason_is_required(world, body):
    order = held_order(world)
    r = world.client("manager").post(f"/orders/{order['id']}/reject", json=body)
    assert r.status_code == 422 and "reason" in r.json["error"]["details"], r.json
    assert world.client("rep1").get(f"/orders/{order['id']}").json["status"] == "pending_approval"


def test_an_order_that_is_not_held_cannot_be_rejected(world):
    pid = world.product(list_price="100.00")
    plain = world.client("rep1").post("/orders", json={
        "customer_id": world.customers["rep1"], "lines": [{"product_id": pid, "quantity": 1, "tax_rate": 13}]}).json
    r = world.client("manager").post(f"/orders/{plain['id']}/reject", json={"reason": "不要"})
    assert r.status_code == 409
    assert world.client("manager").post("/orders/not-a-uuid/reject", json={"reason": "x"}).status_code == 404
