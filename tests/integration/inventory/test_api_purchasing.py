"""Purchasing over HTTP: suppliers with prices, purchase orders, receiving, invoices, payments."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def _supplier(client, prices=()):
    r = client.post("/suppliers", json={"name": f"供应商 {uuid.uuid4().hex[:8]}", "phone": "021-1234",
                                        "prices": [{"product_id": p, "price": v} for p, v in prices]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_purchase_order_receive_partial_then_rest(world, keeper, clients):
    p1, p2 = world.product(), world.product()
    wh = world.warehouse()
    sup = _supplier(keeper, [(p1, "10.5")])
    assert sup["prices"] == [{"product_id": p1, "price": "10.50"}]
    r = keeper.post("/purchase-orders", json={"supplier_id": sup["id"], "warehouse_id": wh, "lines": [
        {"product_id": p1, "quantity": 10}, {"product_id": p2, "quantity": 4, "unit_price": "2.25"}]})
    assert r.status_code == 201, r.get_json()
    po = r.get_json()
    assert po["total"] == "114.00" and po["status"] == "open"
    r = keeper.post(f"/purchase-orders/{po['id']}/receive", json={"lines": [{"product_id": p1, "quantity": 6}]})
    assert r.status_code == 201 and r.get_json()["purchase_order_id"] == po["id"]
    assert world.level(p1, wh) == (6, 0, 6)
    assert keeper.get(f"/purchase-orders/{po['id']}").get_json()["status"] == "partially_received"
    r = keeper.post(f"/purchase-orders/{po['id']}/receive", json={"lines": [{"product_id": p1, "quantity": 5}]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "over_receipt"
    r = keeper.post(f"/purchase-orders/{po['id']}/receive", json={})       # everything still open
    assert r.status_code == 201
    assert world.level(p1, wh) == (10, 0, 10) and world.level(p2, wh) == (4, 0, 4)
    got = keeper.get(f"/purchase-orders/{po['id']}").get_json()
    assert got["status"] == "received" and [x["received"] for x in got["lines"]] == [
        x["quantity"] for x in got["lines"]]
    assert keeper.post(f"/purchase-orders/{po['id']}/receive", json={}).status_code == 409
    # a receipt can name the purchase order too
    po2 = keeper.post("/purchase-orders", json={"supplier_id": sup["id"], "warehouse_id": wh,
                                                "lines": [{"product_id": p1, "quantity": 2}]}).get_json()
    r = keeper.post("/stock/receipts", json={"warehouse_id": wh, "purchase_order_id": po2["id"],
                                             "lines": [{"product_id": p1, "quantity": 3}]})
    assert r.status_code == 409
    r = keeper.post("/stock/receipts", json={"warehouse_id": wh, "purchase_order_id": po2["id"],
                                             "lines": [{"product_id": p1, "quantity": 2}]})
    assert r.status_code == 201 and world.level(p1, wh) == (12, 0, 12)


def test_purchase_order_errors_and_roles(world, keeper, clients):
    p = world.product()
    wh = world.warehouse()
    sup = _supplier(keeper)
    base = {"supplier_id": sup["id"], "warehouse_id": wh, "lines": [{"product_id": p, "quantity": 1}]}
    r = keeper.post("/purchase-orders", json=base)                   # no price given nor on file
    assert r.status_code == 422
    assert keeper.post("/purchase-orders", json={**base, "supplier_id": str(uuid.uuid4())}).status_code == 422
    assert keeper.post("/suppliers", json={"name": sup["name"]}).status_code == 409
    assert keeper.get(f"/purchase-orders/{uuid.uuid4()}").status_code == 404
    assert keeper.post(f"/purchase-orders/{uuid.uuid4()}/receive", json={}).status_code == 404
    sales = clients.as_new("sales")
    assert sales.get("/suppliers").status_code == 403
    assert sales.post("/suppliers", json={"name": "x"}).status_code == 403
    assert clients.as_new("finance").get("/purchase-orders").status_code == 200


def test_supplier_invoices_and_payments(world, keeper, clients):
    p = world.product()
    wh = world.warehouse()
    sup = _supplier(keeper, [(p, "50")])
    po = keeper.post("/purchase-orders", json={"supplier_id": sup["id"], "warehouse_id": wh,
                                               "lines": [{"product_id": p, "quantity": 2}]}).get_json()
    finance = clients.as_new("finance")
    r = finance.post(f"/purchase-orders/{po['id']}/invoices", json={"number": "INV-1", "amount": "60"})
    assert r.status_code == 201 and r.get_json()["amount"] == "60.00"
    assert finance.post(f"/purchase-orders/{po['id']}/invoices", json={"number": "INV-1", "amount": "1"}
                        ).status_code == 409
    r = finance.post(f"/purchase-orders/{po['id']}/invoices", json={"number": "INV-2", "amount": "40.01"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "over_invoiced"
    assert finance.post(f"/purchase-orders/{po['id']}/payments", json={"amount": "100", "method": "bank"}
                        ).status_code == 201
    assert finance.post(f"/purchase-orders/{po['id']}/payments", json={"amount": "0.01", "method": "bank"}
                        ).status_code == 409
    assert finance.post(f"/purchase-orders/{po['id']}/payments", json={"amount": "-1", "method": "bank"}
                        ).status_code == 422
    got = keeper.get(f"/purchase-orders/{po['id']}").get_json()
    assert (got["invoiced_amount"], got["paid_amount"]) == ("60.00", "100.00")
    assert keeper.get(f"/purchase-orders/{po['id']}/invoices").get_json()["total"] == 1
    assert clients.as_new("sales").post(f"/purchase-orders/{po['id']}/payments",
                                        json={"amount": "1", "method": "bank"}).status_code == 403
