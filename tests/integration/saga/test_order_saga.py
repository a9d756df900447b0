"""The order saga end to end with the real inventory service: confirmed, rejected,
cancel releases, shipments, and the last units under concurrent orders."""

from __future__ import annotations

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.integration


def place(saga, lines) -> dict:
    r = saga.sales.post("/orders", json={"customer_id": saga.customer_id, "lines": lines})
    assert r.status_code == 201, r.json
    return r.json


def settles(saga, order_id: str, status: str, timeout: float = 30) -> None:
    eventually(lambda: saga.order_status(order_id) == status, timeout=timeout)


def test_confirmed_shipped_and_the_copies_follow(saga):
    pid = saga.product("离心泵", "100.00", stock=10)
    order = place(saga, [{"product_id": pid, "quantity": 4, "discount_pct": 10, "tax_rate": 13}])
    assert order["lines"][0]["unit_price"] == "100.00"  # list price from the product copy
    assert order["gross"] == "406.80"
    settles(saga, order["id"], "confirmed")
    assert saga.stock(pid)["reserved"] == 4
    eventually(lambda: saga.available(pid) == 6, timeout=30)  # availability copy follows the reservation
    r = saga.inventory.post("/shipments", json={"order_id": order["id"], "warehouse_id": saga.warehouse_id,
                                                "lines": [{"product_id": pid, "quantity": 1}]})
    assert r.status_code == 201, r.json
    settles(saga, order["id"], "partially_shipped")
    saga.inventory.post("/shipments", json={"order_id": order["id"], "warehouse_id": saga.warehouse_id,
                                            "lines": [{"product_id": pid, "quantity": 3}]})
    settles(saga, order["id"], "shipped")
    got = saga.sales.get(f"/orders/{order['id']}").json
    assert got["lines"][0]["shipped_quantity"] == 4
    assert saga.stock(pid)["on_hand"] == 6 and saga.stock(pid)["reserved"] == 0


def test_rejected_when_stock_is_short_and_nothing_stays_reserved(saga):
    pid = saga.product("潜水泵", "50.00", stock=2)
    order = place(saga, [{"product_id": pid, "quantity": 3}])
    assert order["warnings"] and order["warnings"][0]["available"] == 2
    settles(saga, order["id"], "rejected")
    assert saga.sales.get(f"/orders/{order['id']}").json["reason"]
    assert saga.stock(pid)["reserved"] == 0


def test_cancel_releases_the_reservation(saga):
    pid = saga.product("阀门", "20.00", stock=5)
    order = place(saga, [{"product_id": pid, "quantity": 5}])
    settles(saga, order["id"], "confirmed")
    assert saga.stock(pid)["available"] == 0
    r = saga.sales.post(f"/orders/{order['id']}/cancel", json={"reason": "客户取消"})
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    eventually(lambda: saga.stock(pid)["available"] == 5, timeout=30)
    eventually(lambda: saga.available(pid) == 5, timeout=30)


def test_cancel_right_after_placing_never_leaves_stock_reserved(saga):
    pid = saga.product("法兰", "8.00", stock=3)
    order = place(saga, [{"product_id": pid, "quantity": 3}])
    saga.sales.post(f"/orders/{order['id']}/cancel")  # while the reservation is on its way
    eventually(lambda: saga.stock(pid)["reserved"] == 0 and saga.stock(pid)["available"] == 3, timeout=30)
    assert saga.order_status(order["id"]) == "cancelled"


def test_approval_then_saga(saga):
    pid = saga.product("电机", "1000.00", stock=1)
    order = place(saga, [{"product_id": pid, "quantity": 1, "discount_pct": 40}])
    assert order["status"] == "pending_approval"
    assert saga.stock(pid)["reserved"] == 0
    assert saga.sales_admin.post(f"/orders/{order['id']}/approve").status_code == 200
    settles(saga, order["id"], "confirmed")


def test_last_units_go_to_one_order_only(saga):
    pid = saga.product("轴承", "5.00", stock=3)
    orders = [place(saga, [{"product_id": pid, "quantity": 2}]) for _ in range(3)]

    def done():
        statuses = [saga.order_status(o["id"]) for o in orders]
        return statuses if all(s in ("confirmed", "rejected") for s in statuses) else None

    statuses = eventually(done, timeout=30)
    assert sorted(statuses) == ["confirmed", "rejected", "rejected"]
    assert saga.stock(pid)["available"] == 1
