"""Stock documents over HTTP: receipts, transfers, stocktaking, requisitions, alerts, ledger."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def _lines(**qty):
    return [{"product_id": p, "quantity": q} for p, q in qty.items()]


def test_receipt_levels_and_stock_list(world, clients):
    wh = world.warehouse()
    p = world.product()
    r = world.client.post("/stock/receipts", json={"warehouse_id": wh, "lines": [{"product_id": p, "quantity": 7}]})
    assert r.status_code == 201 and r.get_json()["lines"] == [{"product_id": p, "quantity": 7}]
    sales = clients.as_new("sales")
    items = sales.get("/stock", query_string={"product_id": p}).get_json()["items"]
    assert [{k: i[k] for k in ("product_id", "warehouse_id", "on_hand", "reserved", "available")} for i in items] == [
        {"product_id": p, "warehouse_id": wh, "on_hand": 7, "reserved": 0, "available": 7}]
    product = world.client.get(f"/products/{p}").get_json()
    warehouse = world.client.get(f"/warehouses/{wh}").get_json()
    assert (items[0]["sku"], items[0]["product_name"], items[0]["unit"], items[0]["warehouse_name"]) == (
        product["sku"], product["name"], product["unit"], warehouse["name"])  # words, not ids, on a stock line
    assert sales.post("/stock/receipts", json={"warehouse_id": wh, "lines": []}).status_code == 403
    ledger = world.client.get("/stock/ledger", query_string={"product_id": p}).get_json()
    assert ledger["total"] == 1 and ledger["items"][0]["kind"] == "receipt"
    assert sales.get("/stock/ledger", query_string={"product_id": p}).status_code == 403


def test_receipt_errors(world):
    wh = world.warehouse()
    p = world.product()
    c = world.client
    assert c.post("/stock/receipts", json={"warehouse_id": wh, "lines": []}).status_code == 422
    assert c.post("/stock/receipts", json={"warehouse_id": wh,
                                           "lines": [{"product_id": p, "quantity": 0}]}).status_code == 422
    assert c.post("/stock/receipts", json={"warehouse_id": wh,
                                           "lines": [{"product_id": p, "quantity": "3"}]}).status_code == 422
    r = c.post("/stock/receipts", json={"warehouse_id": str(uuid.uuid4()), "lines": [{"product_id": p, "quantity": 1}]})
    assert r.status_code == 422 and "warehouse_id" in r.get_json()["error"]["details"]
    r = c.post("/stock/receipts", json={"warehouse_id": wh, "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]})
    assert r.status_code == 422 and "lines" in r.get_json()["error"]["details"]
    assert c.get("/stock", query_string={"product_id": "nope"}).status_code == 422
    assert world.level(p, wh) == (0, 0, 0)


def test_transfer_arithmetic_and_errors(world):
    a, b = world.warehouse(), world.warehouse()
    p = world.product()
    world.receive(a, {p: 10})
    r = world.client.post("/stock/transfers", json={"from_warehouse_id": a, "to_warehouse_id": b,
                                                    "lines": _lines(**{p: 4})})
    assert r.status_code == 201
    assert world.level(p, a) == (6, 0, 6) and world.level(p, b) == (4, 0, 4)
    r = world.client.post("/stock/transfers", json={"from_warehouse_id": a, "to_warehouse_id": b,
                                                    "lines": _lines(**{p: 7})})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "insufficient_stock"
    assert world.level(p, a) == (6, 0, 6) and world.level(p, b) == (4, 0, 4)
    r = world.client.post("/stock/transfers", json={"from_warehouse_id": a, "to_warehouse_id": a,
                                                    "lines": _lines(**{p: 1})})
    assert r.status_code == 422
    kinds = {e["kind"] for e in world.client.get("/stock/ledger", query_string={"product_id": p}).get_json()["items"]}
    assert kinds == {"receipt", "transfer_out", "transfer_in"}


def test_reserved_stock_cannot_be_transferred(world):
    from tests.integration.inventory.conftest import order_event

    a, b = world.warehouse(), world.warehouse()
    p = world.product()
    world.receive(a, {p: 5})
    world.run(order_event("sales.order.placed", {p: 4}, warehouse_id=a))
    r = world.client.post("/stock/transfers", json={"from_warehouse_id": a, "to_warehouse_id": b,
                                                    "lines": _lines(**{p: 2})})
    assert r.status_code == 409
    assert world.level(p, a) == (5, 4, 1)


def test_stocktaking_adjustment(world):
    from tests.integration.inventory.conftest import order_event

    wh = world.warehouse()
    p1, p2, p3 = world.product(), world.product(), world.product()
    world.receive(wh, {p1: 10, p2: 5})
    world.run(order_event("sales.order.placed", {p2: 3}, warehouse_id=wh))
    r = world.client.post("/stock/adjustments", json={
        "warehouse_id": wh, "reason": "月末盘点",
        "lines": [{"product_id": p1, "counted": 8}, {"product_id": p2, "counted": 6}, {"product_id": p3, "counted": 2}]})
    assert r.status_code == 201, r.get_json()
    adj = {line["product_id"]: line["adjustment"] for line in r.get_json()["lines"]}
    assert adj == {p1: -2, p2: 1, p3: 2}
    assert world.level(p1, wh) == (8, 0, 8) and world.level(p2, wh) == (6, 3, 3) and world.level(p3, wh) == (2, 0, 2)
    r = world.client.post("/stock/adjustments", json={"warehouse_id": wh, "reason": "盘点",
                                                      "lines": [{"product_id": p2, "counted": 2}]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "below_reserved"
    assert world.level(p2, wh) == (6, 3, 3)
    assert world.client.post("/stock/adjustments", json={"warehouse_id": wh, "lines": [
        {"product_id": p1, "counted": 1}]}).status_code == 422                      # reason required
    assert world.client.post("/stock/adjustments", json={"warehouse_id": wh, "reason": "x", "lines": [
        {"product_id": p1, "counted": 1}, {"product_id": p1, "counted": 2}]}).status_code == 422


def test_requisition(world, clients):
    wh = world.warehouse()
    p = world.product()
    world.receive(wh, {p: 5})
    r = world.client.post("/requisitions", json={"warehouse_id": wh, "purpose": "生产领料", "department": "车间",
                                                 "lines": _lines(**{p: 2})})
    assert r.status_code == 201
    assert world.level(p, wh) == (3, 0, 3)
    assert world.client.post("/requisitions", json={"warehouse_id": wh, "purpose": "x",
                                                    "lines": _lines(**{p: 9})}).status_code == 409
    assert clients.as_new("sales").post("/requisitions", json={"warehouse_id": wh, "purpose": "x",
                                                               "lines": _lines(**{p: 1})}).status_code == 403
    listed = world.client.get("/requisitions", query_string={"warehouse_id": wh}).get_json()
    assert listed["total"] == 1 and world.client.get(f"/requisitions/{r.get_json()['id']}").status_code == 200


def test_low_stock_alerts(world, clients):
    wh = world.warehouse()
    low = world.product(safety_stock=10)
    fine = world.product(safety_stock=2)
    world.receive(wh, {low: 4, fine: 5})
    items = clients.as_new("sales").get("/alerts/low-stock", query_string={"per_page": 200}).get_json()["items"]
    ids = {i["product_id"]: i for i in items}
    assert low in ids and fine not in ids
    assert ids[low]["available"] == 4 and ids[low]["shortfall"] == 6
    # raising safety stock above availability raises the event once
    r = world.client.patch(f"/products/{fine}", json={"safety_stock": 8})
    assert r.status_code == 200
    assert len(world.events("inventory.stock.low", product_id=fine)) == 1
