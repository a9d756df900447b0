"""Inventory through the gateway: stock set up by the warehouse role, an order reserved by
the saga, partial and full shipments moving the order's status, visibility of shipments
and loans, role checks, low-stock alerts and the timeline entry of the reservation."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def people(admin):
    return {"keeper": admin.create_user("warehouse"), "rep": admin.create_user("sales"),
            "other": admin.create_user("sales")}


@pytest.fixture(scope="module")
def stock(people):
    keeper = people["keeper"]
    tag = uuid.uuid4().hex[:8]
    prod = keeper.post("/products", json={"sku": f"INV-{tag}", "name": f"变频器 {tag}", "spec": "7.5kW", "unit": "台",
                                          "list_price": "2300.00", "safety_stock": 6})
    assert prod.status_code == 201, prod.text
    wh = keeper.post("/warehouses", json={"code": f"WI{tag}", "name": f"华东仓 {tag}", "region": "cn-east"})
    assert wh.status_code == 201, wh.text
    r = keeper.post("/stock/receipts", json={"warehouse_id": wh.json()["id"],
                                             "lines": [{"product_id": prod.json()["id"], "quantity": 10}]})
    assert r.status_code == 201, r.text
    return {"product_id": prod.json()["id"], "warehouse_id": wh.json()["id"]}


@pytest.fixture(scope="module")
def customer(people):
    r = people["rep"].post("/customers", json={"name": f"苏州精密机械有限公司{uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _order(rep, customer_id, product_id, warehouse_id, quantity):
    def attempt():
        r = rep.post("/orders", json={"customer_id": customer_id, "warehouse_id": warehouse_id,
                                      "lines": [{"product_id": product_id, "quantity": quantity}]})
        return r.json() if r.status_code == 201 else None  # 422 until the copies have arrived

    return eventually(attempt, timeout=30)


def _status(client, order_id):
    return client.get(f"/orders/{order_id}").json()["status"]


def test_roles_on_inventory_writes(people, stock):
    rep = people["rep"]
    r = rep.post("/products", json={"sku": f"X-{uuid.uuid4().hex[:6]}", "name": "x", "unit": "个", "list_price": "1"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert rep.get("/products", params={"q": "变频器"}).status_code == 200
    levels = rep.get("/stock", params={"product_id": stock["product_id"]}).json()["items"]
    assert levels[0]["on_hand"] >= 1
    dup = people["keeper"].post("/products", json={"sku": f"INV-{uuid.uuid4().hex[:6]}",
                                                   "name": rep.get(f"/products/{stock['product_id']}").json()["name"],
                                                   "spec": "7.5kW", "unit": "台", "list_price": "1"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_product"


def test_order_reserved_shipped_in_parts(people, stock, customer):
    rep, keeper, other = people["rep"], people["keeper"], people["other"]
    order = _order(rep, customer, stock["product_id"], stock["warehouse_id"], 5)
    eventually(lambda: _status(rep, order["id"]) == "confirmed", timeout=30)
    level = keeper.get("/stock", params={"product_id": stock["product_id"],
                                         "warehouse_id": stock["warehouse_id"]}).json()["items"][0]
    assert level["reserved"] >= 5 and level["available"] == level["on_hand"] - level["reserved"]

    ship = {"order_id": order["id"], "warehouse_id": stock["warehouse_id"], "carrier": "顺丰"}
    r = keeper.post("/shipments", json={**ship, "lines": [{"product_id": stock["product_id"], "quantity": 2}]})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["fully_shipped"] is False
    r = keeper.post("/shipments", json={**ship, "lines": [{"product_id": stock["product_id"], "quantity": 4}]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "over_shipment"
    eventually(lambda: _status(rep, order["id"]) == "partially_shipped", timeout=30)
    r = keeper.post("/shipments", json={**ship, "lines": [{"product_id": stock["product_id"], "quantity": 3}]})
    assert r.status_code == 201 and r.json()["fully_shipped"] is True
    eventually(lambda: _status(rep, order["id"]) == "shipped", timeout=30)

    assert rep.get("/shipments", params={"order_id": order["id"]}).json()["total"] == 2
    assert rep.get(f"/shipments/{first['id']}").status_code == 200
    assert other.get(f"/shipments/{first['id']}").status_code == 404
    assert other.get("/shipments", params={"order_id": order["id"]}).json()["total"] == 0
    assert rep.post("/shipments", json={**ship, "lines": [{"product_id": stock["product_id"], "quantity": 1}]}
                    ).status_code == 403

    def reservation_on_timeline():
        items = rep.get("/timeline", params={"customer_id": customer, "per_page": 200}).json().get("items", [])
        return [i for i in items if i["type"] == "inventory.stock.reserved"]

    [entry] = eventually(reservation_on_timeline, timeout=30)
    assert entry["actor_id"] == rep.user["id"]


def test_cancel_releases_the_reservation(people, stock, customer):
    rep, keeper = people["rep"], people["keeper"]

    def available():
        return keeper.get("/stock", params={"product_id": stock["product_id"],
                                            "warehouse_id": stock["warehouse_id"]}).json()["items"][0]["available"]

    before = available()
    order = _order(rep, customer, stock["product_id"], stock["warehouse_id"], 2)
    eventually(lambda: _status(rep, order["id"]) == "confirmed", timeout=30)
    assert available() == before - 2
    assert rep.post(f"/orders/{order['id']}/cancel").status_code == 200
    eventually(lambda: available() == before, timeout=30)


def test_low_stock_alert_and_loans(people, stock, customer):
    keeper, rep, other = people["keeper"], people["rep"], people["other"]

    def loan():
        r = keeper.post("/loans", json={"customer_id": customer, "warehouse_id": stock["warehouse_id"], "kind": "sample",
                                        "lines": [{"product_id": stock["product_id"], "quantity": 1}]})
        return r.json() if r.status_code == 201 else None  # 422 until the customer copy arrived

    made = eventually(loan, timeout=30)
    assert rep.get(f"/loans/{made['id']}").status_code == 200
    assert other.get(f"/loans/{made['id']}").status_code == 404
    tag = uuid.uuid4().hex[:8]
    low = keeper.post("/products", json={"sku": f"LOW-{tag}", "name": f"密封圈 {tag}", "unit": "个",
                                         "list_price": "3.00", "safety_stock": 5}).json()["id"]
    assert keeper.post("/stock/receipts", json={"warehouse_id": stock["warehouse_id"],
                                                "lines": [{"product_id": low, "quantity": 3}]}).status_code == 201
    alerts = [a for a in rep.get("/alerts/low-stock", params={"per_page": 200}).json()["items"]
              if a["product_id"] == low]
    assert alerts == [{"product_id": low, "sku": f"LOW-{tag}", "name": f"密封圈 {tag}", "available": 3,
                       "safety_stock": 5, "shortfall": 2}]
