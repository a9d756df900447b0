"""Editing an order before it is confirmed (issue 16) with the real inventory service over
RabbitMQ: a held order edited within the threshold is placed and inventory reserves the
edited quantities (never the first ones); one still past it is approved again and reserves
the edited lines; a pending order's lines stay as requested while its fees change."""

from __future__ import annotations

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.integration


def settles(saga, order_id: str, status: str, timeout: float = 30) -> None:
    eventually(lambda: saga.order_status(order_id) == status, timeout=timeout)


def test_an_edited_held_order_reserves_what_it_says_now(saga):
    pid = saga.product("编辑泵", "100.00", stock=10)
    order = saga.sales.post("/orders", json={"customer_id": saga.customer_id, "lines": [
        {"product_id": pid, "quantity": 8, "discount_pct": 40, "tax_rate": 13}]}).json
    assert order["status"] == "pending_approval"
    r = saga.sales.patch(f"/orders/{order['id']}", json={
        "lines": [{"product_id": pid, "quantity": 3, "discount_pct": 10, "tax_rate": 13}],
        "fees": [{"kind": "freight", "amount": "20.00"}]})
    assert r.status_code == 200 and r.json["status"] == "pending", r.json
    settles(saga, order["id"], "confirmed")
    assert saga.stock(pid)["reserved"] == 3
    assert saga.sales.get(f"/orders/{order['id']}").json["gross"] == "327.70"  # 270.00 + 35.10; 20.00 + 2.60


def test_a_held_order_still_past_the_limit_reserves_its_edited_lines_once_approved(saga):
    pid = saga.product("编辑电机", "100.00", stock=10)
    order = saga.sales.post("/orders", json={"customer_id": saga.customer_id, "lines": [
        {"product_id": pid, "quantity": 1, "discount_pct": 40}]}).json
    r = saga.sales.patch(f"/orders/{order['id']}", json={"lines": [{"product_id": pid, "quantity": 6, "discount_pct": 50}]})
    assert r.status_code == 200 and r.json["status"] == "pending_approval", r.json
    assert saga.stock(pid)["reserved"] == 0
    assert saga.sales_admin.post(f"/orders/{order['id']}/approve").status_code == 200
    settles(saga, order["id"], "confirmed")
    assert saga.stock(pid)["reserved"] == 6


def test_a_pending_order_keeps_its_reservation(saga):
    pid = saga.product("编辑阀门", "10.00", stock=5)
    order = saga.sales.post("/orders", json={"customer_id": saga.customer_id, "lines": [
        {"product_id": pid, "quantity": 2}]}).json
    refused = saga.sales.patch(f"/orders/{order['id']}", json={"lines": [{"product_id": pid, "quantity": 5}]})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "order_not_editable"
    fees = saga.sales.patch(f"/orders/{order['id']}", json={"fees": [{"kind": "installation", "amount": "5.00"}]})
    assert fees.status_code in (200, 409)  # 409 once inventory has confirmed it already
    settles(saga, order["id"], "confirmed")
    assert saga.stock(pid)["reserved"] == 2
