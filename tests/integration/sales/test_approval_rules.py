"""Approval rules that hold (issue 11.3): four eyes on held orders, and the effective
discount against the list price whatever field expressed it. Written as the insider
would try it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.testing.clients import ServiceClient, new_user, seed_users

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()


def order_on(world, who: str, pid: str, customer: str = "rep1", **line):
    return world.client(who).post("/orders", json={
        "customer_id": world.customers[customer], "lines": [{"product_id": pid, "quantity": 1, "tax_rate": 13, **line}]})


# ---- four eyes ----------------------------------------------------------------------

def test_a_manager_cannot_approve_the_90_percent_order_they_created(world):
    """The attack: a manager writes a 90% discount order on a subordinate's customer and
    approves it. The creator is stored and refused; a manager above them approves."""
    pid = world.product(list_price="100.00")
    r = order_on(world, "manager", pid, discount_pct="90")
    assert r.status_code == 201, r.json
    order = r.json
    assert order["status"] == "pending_approval" and order["created_by"] == world.users["manager"]["id"]
    assert order["owner_id"] == world.users["rep1"]["id"]  # the customer's owner, as before
    refused = world.client("manager").post(f"/orders/{order['id']}/approve")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert "approver" in refused.json["error"]["details"]
    assert world.client("rep1").get(f"/orders/{order['id']}").json["status"] == "pending_approval"
    assert world.event_types(order["id"]) == ["sales.order.created", "sales.order.approval_requested"]
    ok = world.client("top").post(f"/orders/{order['id']}/approve")  # above the manager, so above the owner
    assert ok.status_code == 200 and ok.json["approved_by"] == world.users["top"]["id"]


def test_an_admins_own_order_needs_another_admin_or_a_manager_above_the_owner(world):
    pid = world.product(list_price="100.00")
    first = order_on(world, "admin", pid, discount_pct="90").json
    assert first["status"] == "pending_approval" and first["created_by"] == world.users["admin"]["id"]
    assert world.client("admin").post(f"/orders/{first['id']}/approve").status_code == 403
    second_admin = new_user("admin")
    seed_users(world.engine, second_admin)
    other_admin = ServiceClient(world.app, second_admin, world.settings.internal_secret)
    assert other_admin.post(f"/orders/{first['id']}/approve").status_code == 200
    second = order_on(world, "admin", pid, discount_pct="90").json
    r = world.client("manager").post(f"/orders/{second['id']}/approve")  # manager above rep1, the owner
    assert r.status_code == 200 and r.json["status"] == "pending"


def test_the_author_of_the_quote_cannot_approve_the_order_made_from_it(world):
    """A manager writes the discounted quote, the rep converts it: the manager wrote the
    price, so the manager may not approve it."""
    pid = world.product(list_price="100.00")
    q = world.client("manager").post("/quotes", json={
        "customer_id": world.customers["rep1"], "valid_until": (TODAY + timedelta(days=5)).isoformat(),
        "lines": [{"product_id": pid, "quantity": 1, "unit_price": "100.00", "discount_pct": 90, "tax_rate": 13}]}).json
    # the quote's own discount approval first (by the manager's manager: never the quote's owner)
    assert world.client("manager").post(f"/quotes/{q['id']}/submit").status_code == 200
    assert world.client("top").post(f"/quotes/{q['id']}/approve").status_code == 200
    assert world.client("manager").post(f"/quotes/{q['id']}/status", json={"status": "sent"}).status_code == 200
    order = world.client("rep1").post(f"/quotes/{q['id']}/convert").json
    assert order["status"] == "pending_approval" and order["created_by"] == world.users["rep1"]["id"]
    assert world.client("manager").post(f"/orders/{order['id']}/approve").status_code == 403
    assert world.client("top").post(f"/orders/{order['id']}/approve").status_code == 200


# ---- the effective discount ---------------------------------------------------------

def test_a_unit_price_of_one_cent_on_a_100_product_is_held(world):
    """The bypass: no discount_pct, unit_price 0.01 on a 100.00 product."""
    pid = world.product(list_price="100.00")
    r = order_on(world, "rep1", pid, unit_price="0.01")
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending_approval"
    assert world.event_types(r.json["id"]) == ["sales.order.created", "sales.order.approval_requested"]
    assert world.client("rep1").post(f"/orders/{r.json['id']}/approve").status_code == 403


@pytest.mark.parametrize("line,held", [
    ({"unit_price": "70.00"}, False),                          # 30%: at the threshold
    ({"unit_price": "69.99"}, True),                           # just past it
    ({"unit_price": "80.00", "discount_pct": "20"}, True),     # 20% + 20%: 36% off the list price
    ({"unit_price": "90.00", "discount_pct": "20"}, False),    # 28%
    ({"unit_price": "140.00", "discount_pct": "50"}, False),   # marked up, then discounted to 70
    # tax-inclusive: 79.09 looks like 21% off, but it is 69.99 net of 13% tax (list prices are net)
    ({"unit_price": "79.09", "unit_price_includes_tax": True}, True),
    ({"unit_price": "79.10", "unit_price_includes_tax": True}, False),  # 70.00 net
])
def test_the_effective_discount_decides_whatever_field_expressed_it(world, line, held):
    pid = world.product(list_price="100.00")
    r = order_on(world, "rep1", pid, **line)
    assert r.status_code == 201, r.json
    assert r.json["status"] == ("pending_approval" if held else "pending"), (line, r.json["lines"])


def test_the_remembered_low_price_is_held_again(world):
    """The default unit price (the last price to this customer) is compared with the list
    price too: one approved give-away does not make the next ones free of approval."""
    pid = world.product(list_price="100.00")
    first = order_on(world, "rep1", pid, unit_price="10.00").json
    assert first["status"] == "pending_approval"
    assert world.client("manager").post(f"/orders/{first['id']}/approve").status_code == 200
    again = order_on(world, "rep1", pid).json
    assert again["lines"][0]["unit_price"] == "10.00" and again["status"] == "pending_approval"


def test_a_quote_with_a_low_unit_price_converts_to_a_held_order(world):
    pid = world.product(list_price="100.00")
    q = world.client("rep1").post("/quotes", json={
        "customer_id": world.customers["rep1"], "valid_until": (TODAY + timedelta(days=5)).isoformat(),
        "lines": [{"product_id": pid, "quantity": 2, "unit_price": "0.01", "tax_rate": 13}]}).json
    assert q["needs_approval"] is True  # the quote cannot go out before a manager approves it either
    assert world.client("rep1").post(f"/quotes/{q['id']}/status", json={"status": "sent"}).status_code == 409
    world.client("rep1").post(f"/quotes/{q['id']}/submit")
    assert world.client("manager").post(f"/quotes/{q['id']}/approve").status_code == 200
    assert world.client("rep1").post(f"/quotes/{q['id']}/status", json={"status": "sent"}).status_code == 200
    order = world.client("rep1").post(f"/quotes/{q['id']}/convert")
    assert order.status_code == 201 and order.json["status"] == "pending_approval"


def test_the_threshold_setting_still_applies(world):
    from decimal import Decimal

    from services.sales.bootstrap import create_app
    from services.sales.config import SalesConfig

    strict = create_app(world.settings, SalesConfig(approval_discount_pct=Decimal("5"), smtp_port=1))
    rep = ServiceClient(strict, world.users["rep1"], world.settings.internal_secret)
    pid = world.product(list_price="100.00")
    body = {"customer_id": world.customers["rep1"], "lines": [{"product_id": pid, "quantity": 1, "unit_price": "94.00"}]}
    assert rep.post("/orders", json=body).json["status"] == "pending_approval"
    body["lines"][0]["unit_price"] = "95.00"
    assert rep.post("/orders", json=body).json["status"] == "pending"
