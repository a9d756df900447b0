"""How inventory's and billing's events move an order: forward only, once, and with a
release when a reservation arrives for an order that no longer wants it."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.sales.conftest import WAREHOUSE

pytestmark = pytest.mark.integration


def place(world, quantities=(3,), who="rep1") -> dict:
    lines = [{"product_id": world.product(), "quantity": q} for q in quantities]
    r = world.client(who).post("/orders", json={"customer_id": world.customers[who], "lines": lines})
    assert r.status_code == 201
    return r.json


def reserved(world, order, **kw):
    return world.feed("inventory.stock.reserved", {
        "order_id": order["id"], "warehouse_id": WAREHOUSE,
        "lines": [{"product_id": ln["product_id"], "quantity": ln["quantity"]} for ln in order["lines"]],
    }, aggregate_type="reservation", **kw)


def failed(world, order, reason="库存不足"):
    ln = order["lines"][0]
    return world.feed("inventory.stock.reservation_failed", {
        "order_id": order["id"], "reason": reason,
        "short_lines": [{"product_id": ln["product_id"], "requested": ln["quantity"], "available": 0}],
    }, aggregate_type="reservation")


def shipment(world, order, quantities, shipment_id=None, **kw):
    return world.feed("inventory.shipment.dispatched", {
        "id": shipment_id or str(uuid.uuid4()), "order_id": order["id"], "warehouse_id": WAREHOUSE,
        "customer_id": order["customer_id"],
        "lines": [{"product_id": ln["product_id"], "quantity": q}
                  for ln, q in zip(order["lines"], quantities, strict=True) if q],
        "carrier": "顺丰", "tracking_number": "SF1", "fully_shipped": False,
    }, aggregate_type="shipment", **kw)


def status(world, order) -> dict:
    return world.client("admin").get(f"/orders/{order['id']}").json


def test_reserved_confirms_once_and_a_duplicate_changes_nothing(world):
    order = place(world)
    env = reserved(world, order)
    got = status(world, order)
    assert got["status"] == "confirmed"
    assert got["reserved_warehouse_id"] == WAREHOUSE
    reserved(world, order, event_id=env.event_id)   # redelivered: inbox no-op
    reserved(world, order)                          # a second reservation event: state guard
    assert world.event_types(order["id"]) == ["sales.order.created", "sales.order.placed", "sales.order.confirmed"]
    confirmed = world.events(order["id"])[-1]
    assert confirmed["causation_id"] == env.event_id  # a reaction to inventory's event


def test_reservation_failed_rejects_with_the_reason(world):
    order = place(world)
    failed(world, order, "库存不足：离心泵")
    got = status(world, order)
    assert got["status"] == "rejected" and got["reason"] == "库存不足：离心泵"
    assert world.event_types(order["id"])[-1] == "sales.order.rejected"
    assert world.events(order["id"])[-1]["data"]["reason"] == "库存不足：离心泵"


def test_late_failure_does_not_move_a_confirmed_order_back(world):
    order = place(world)
    reserved(world, order)
    failed(world, order)
    assert status(world, order)["status"] == "confirmed"
    assert world.event_types(order["id"])[-1] == "sales.order.confirmed"


def test_reservation_for_a_cancelled_order_is_released(world):
    order = place(world)
    assert world.client("rep1").post(f"/orders/{order['id']}/cancel").json["status"] == "cancelled"
    reserved(world, order)  # the reservation was already on its way
    assert status(world, order)["status"] == "cancelled"
    types = world.event_types(order["id"])
    assert types == ["sales.order.created", "sales.order.placed", "sales.order.cancelled", "sales.order.cancelled"]


def test_reservation_for_a_rejected_order_is_released(world):
    order = place(world)
    failed(world, order)
    reserved(world, order)  # a second attempt that did reserve (e.g. stock arrived): give it back
    assert status(world, order)["status"] == "rejected"
    assert world.event_types(order["id"])[-2:] == ["sales.order.rejected", "sales.order.rejected"]


def test_cancel_of_a_confirmed_order_publishes_cancelled_for_the_release(world):
    order = place(world)
    reserved(world, order)
    r = world.client("rep1").post(f"/orders/{order['id']}/cancel", json={"reason": "客户取消"})
    assert r.status_code == 200 and r.json["status"] == "cancelled" and r.json["reason"] == "客户取消"
    last = world.events(order["id"])[-1]
    assert last["event_type"] == "sales.order.cancelled" and last["data"]["status"] == "cancelled"


def test_shipments_move_to_partially_shipped_then_shipped_and_count_once(world):
    order = place(world, quantities=(3, 2))
    reserved(world, order)
    first = shipment(world, order, (2, 0))
    got = status(world, order)
    assert got["status"] == "partially_shipped"
    assert [ln["shipped_quantity"] for ln in got["lines"]] == [2, 0]
    shipment(world, order, (2, 0), shipment_id=first.data["id"])  # the same shipment again
    assert [ln["shipped_quantity"] for ln in status(world, order)["lines"]] == [2, 0]
    shipment(world, order, (1, 2))
    got = status(world, order)
    assert got["status"] == "shipped" and [ln["shipped_quantity"] for ln in got["lines"]] == [3, 2]
    assert world.client("rep1").post(f"/orders/{order['id']}/cancel").status_code == 409
    reserved(world, order)  # a stray reservation never moves it back
    assert status(world, order)["status"] == "shipped"
    closed = world.client("rep1").post(f"/orders/{order['id']}/close")
    assert closed.status_code == 200 and closed.json["status"] == "closed"


def test_billing_balance_moves_payment_status_and_stale_balances_are_ignored(world):
    order = place(world)
    reserved(world, order)

    def balance(paid: str, st: str, seq: int):
        world.feed("billing.order_balance.changed", {
            "order_id": order["id"], "customer_id": order["customer_id"], "gross": order["gross"],
            "invoiced_amount": order["gross"], "paid_amount": paid, "payment_status": st,
        }, aggregate_id=order["id"], aggregate_type="order_balance", seq=seq)

    balance("100.00", "partially_paid", 1)
    got = status(world, order)
    assert (got["payment_status"], got["paid_amount"], got["invoiced_amount"]) == (
        "partially_paid", "100.00", order["gross"])
    balance(order["gross"], "paid", 3)
    balance("50.00", "partially_paid", 2)  # older, arrives late
    got = status(world, order)
    assert got["payment_status"] == "paid" and got["paid_amount"] == order["gross"]
    assert world.event_types(order["id"]).count("sales.order.payment_updated") == 2


def test_events_for_unknown_orders_are_ignored(world):
    ghost = {"id": str(uuid.uuid4()), "customer_id": world.customers["rep1"],
             "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]}
    reserved(world, ghost)
    failed(world, ghost)
    shipment(world, ghost, (1,))
    assert world.events(ghost["id"]) == []


def test_product_and_stock_copies_keep_the_newest(world):
    pid = str(uuid.uuid4())
    base = {"id": pid, "sku": "P-1", "spec": None, "unit": "台", "cost_price": None, "safety_stock": 0,
            "active": True}
    world.feed("inventory.product.created", {**base, "name": "新名", "list_price": "20.00"},
               aggregate_type="product", seq=2)
    world.feed("inventory.product.updated", {**base, "name": "旧名", "list_price": "10.00"},
               aggregate_type="product", seq=1)
    r = world.client("rep1").post("/orders", json={"customer_id": world.customers["rep1"],
                                                   "lines": [{"product_id": pid, "quantity": 1}]})
    assert r.json["lines"][0]["unit_price"] == "20.00" and r.json["lines"][0]["product_name"] == "新名"
    # availability across warehouses, newest per warehouse
    other = str(uuid.uuid4())
    for wh, avail, seq in ((WAREHOUSE, 5, 10), (other, 4, 11), (WAREHOUSE, 99, 9)):
        world.feed("inventory.stock.changed", {"product_id": pid, "warehouse_id": wh, "on_hand": avail,
                                               "reserved": 0, "available": avail, "total_available": 0},
                   aggregate_id=pid, aggregate_type="stock", seq=seq)
    r = world.client("rep1").post("/orders", json={"customer_id": world.customers["rep1"],
                                                   "lines": [{"product_id": pid, "quantity": 10}]})
    assert r.json["warnings"][0]["available"] == 9


def test_warehouse_lists_the_orders_reserved_in_its_warehouse(world):
    order = place(world)
    wh = world.client("warehouse")
    assert order["id"] not in {o["id"] for o in wh.get("/orders", query_string={"warehouse_id": WAREHOUSE,
                                                                                "per_page": 200}).json["items"]}
    reserved(world, order)
    listed = wh.get("/orders", query_string={"warehouse_id": WAREHOUSE, "status": "confirmed", "per_page": 200}).json
    assert order["id"] in {o["id"] for o in listed["items"]}
    other = wh.get("/orders", query_string={"warehouse_id": str(uuid.uuid4())}).json
    assert order["id"] not in {o["id"] for o in other["items"]}
