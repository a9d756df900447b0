"""Shipments, loans and their visibility: partial and several per order, over-shipment
409, the dispatched event, who sees which customer's records."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.inventory.conftest import order_event

pytestmark = pytest.mark.integration


def _reserved_order(world, stock: dict, order: dict, customer_id: str | None = None):
    wh = world.warehouse()
    world.receive(wh, stock)
    placed = order_event("sales.order.placed", order, warehouse_id=wh, customer_id=customer_id)
    world.run(placed)
    assert world.reservation(placed.data["id"]).status == "reserved"
    return wh, placed.data["id"], placed.customer_id


def test_partial_shipments_then_full(world, keeper):
    p1, p2 = world.product(), world.product()
    wh, oid, cid = _reserved_order(world, {p1: 10, p2: 10}, {p1: 5, p2: 2})
    r = keeper.post("/shipments", json={"order_id": oid, "warehouse_id": wh, "carrier": "顺丰",
                                        "tracking_number": "SF1", "lines": [{"product_id": p1, "quantity": 2}]})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["fully_shipped"] is False and r.get_json()["customer_id"] == cid
    assert world.level(p1, wh) == (8, 3, 5)
    r = keeper.post("/shipments", json={"order_id": oid, "warehouse_id": wh,
                                        "lines": [{"product_id": p1, "quantity": 4}]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "over_shipment"
    assert r.get_json()["error"]["details"][p1] == {"requested": 4, "remaining": 3}
    r = keeper.post("/shipments", json={"order_id": oid, "warehouse_id": wh,
                                        "lines": [{"product_id": p1, "quantity": 3}, {"product_id": p2, "quantity": 2}]})
    assert r.status_code == 201 and r.get_json()["fully_shipped"] is True
    assert world.level(p1, wh) == (5, 0, 5) and world.level(p2, wh) == (8, 0, 8)
    events = world.events("inventory.shipment.dispatched", order_id=oid)
    assert [e["data"]["fully_shipped"] for e in events] == [False, True]
    assert all(e["customer_id"] == cid for e in events)
    r = keeper.post("/shipments", json={"order_id": oid, "warehouse_id": wh,
                                        "lines": [{"product_id": p1, "quantity": 1}]})
    assert r.status_code == 409
    listed = keeper.get("/shipments", query_string={"order_id": oid}).get_json()
    assert listed["total"] == 2
    # a cancel after full shipment releases nothing
    world.run(order_event("sales.order.cancelled", {p1: 5}, order_id=oid))
    assert world.level(p1, wh) == (5, 0, 5)


def test_cancel_after_partial_shipment_releases_the_rest(world, keeper):
    p = world.product()
    wh, oid, _ = _reserved_order(world, {p: 10}, {p: 6})
    assert keeper.post("/shipments", json={"order_id": oid, "warehouse_id": wh,
                                           "lines": [{"product_id": p, "quantity": 2}]}).status_code == 201
    world.run(order_event("sales.order.cancelled", {p: 6}, order_id=oid))
    assert world.level(p, wh) == (8, 0, 8)
    [released] = world.events("inventory.stock.released", order_id=oid)
    assert released["data"]["lines"] == [{"product_id": p, "quantity": 4}]
    assert keeper.post("/shipments", json={"order_id": oid, "warehouse_id": wh,
                                           "lines": [{"product_id": p, "quantity": 1}]}).status_code == 409


def test_shipment_errors(world, keeper, clients):
    p = world.product()
    wh, oid, _ = _reserved_order(world, {p: 3}, {p: 3})
    other = world.warehouse()
    base = {"order_id": oid, "warehouse_id": wh, "lines": [{"product_id": p, "quantity": 1}]}
    assert keeper.post("/shipments", json={**base, "order_id": str(uuid.uuid4())}).status_code == 404
    r = keeper.post("/shipments", json={**base, "warehouse_id": other})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "wrong_warehouse"
    r = keeper.post("/shipments", json={**base, "lines": [{"product_id": world.product(), "quantity": 1}]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "over_shipment"
    assert keeper.post("/shipments", json={**base, "order_id": "x"}).status_code == 422
    assert keeper.post("/shipments", json={"order_id": oid}).status_code == 422
    assert clients.as_new("sales").post("/shipments", json=base).status_code == 403
    assert world.level(p, wh) == (3, 3, 0)


def test_shipment_and_reservation_visibility(world, keeper, clients, customer_of):
    p = world.product()
    rep = clients.as_new("sales")
    other_rep = clients.as_new("sales")
    manager = clients.as_new("manager")
    sub = clients.as_new("sales", manager_id=manager.user["id"])
    cid = customer_of(sub.user["id"])
    wh, oid, _ = _reserved_order(world, {p: 5}, {p: 2}, customer_id=cid)
    sid = keeper.post("/shipments", json={"order_id": oid, "warehouse_id": wh,
                                          "lines": [{"product_id": p, "quantity": 1}]}).get_json()["id"]
    for who in (keeper, sub, manager, world.client):
        assert who.get(f"/shipments/{sid}").status_code == 200
        assert who.get("/shipments", query_string={"order_id": oid}).get_json()["total"] == 1
        assert who.get(f"/stock/reservations/{oid}").get_json()["lines"][0]["remaining"] == 1
    for who in (rep, other_rep, clients.as_new("finance")):
        assert who.get(f"/shipments/{sid}").status_code == 404
        assert who.get("/shipments", query_string={"order_id": oid}).get_json()["total"] == 0
        assert who.get(f"/stock/reservations/{oid}").status_code == 404
    customer_of(sub.user["id"], customer_id=cid, shared_with=[rep.user["id"]])
    assert rep.get(f"/shipments/{sid}").status_code == 200


def test_loans_out_and_back_with_visibility(world, keeper, clients, customer_of):
    p = world.product()
    wh = world.warehouse()
    world.receive(wh, {p: 5})
    rep, stranger = clients.as_new("sales"), clients.as_new("sales")
    cid = customer_of(rep.user["id"])
    r = keeper.post("/loans", json={"customer_id": cid, "warehouse_id": wh, "kind": "sample", "due_date": "2026-12-31",
                                    "lines": [{"product_id": p, "quantity": 3}]})
    assert r.status_code == 201, r.get_json()
    loan = r.get_json()
    assert loan["status"] == "out" and world.level(p, wh) == (2, 0, 2)
    [created] = world.events("inventory.loan.created", id=loan["id"])
    assert created["customer_id"] == cid
    assert rep.get(f"/loans/{loan['id']}").status_code == 200
    assert rep.get("/loans", query_string={"customer_id": cid}).get_json()["total"] == 1
    assert stranger.get(f"/loans/{loan['id']}").status_code == 404
    assert stranger.get("/loans", query_string={"customer_id": cid}).get_json()["total"] == 0
    assert stranger.post(f"/loans/{loan['id']}/returns", json={"lines": [{"product_id": p, "quantity": 1}]}
                         ).status_code == 404
    assert rep.post(f"/loans/{loan['id']}/returns", json={"lines": [{"product_id": p, "quantity": 1}]}
                    ).status_code == 403
    r = keeper.post(f"/loans/{loan['id']}/returns", json={"lines": [{"product_id": p, "quantity": 2}]})
    assert r.status_code == 200 and r.get_json()["status"] == "partially_returned"
    r = keeper.post(f"/loans/{loan['id']}/returns", json={"lines": [{"product_id": p, "quantity": 2}]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "over_return"
    r = keeper.post(f"/loans/{loan['id']}/returns", json={"lines": [{"product_id": p, "quantity": 1}]})
    assert r.get_json()["status"] == "returned" and world.level(p, wh) == (5, 0, 5)
    assert keeper.post("/loans", json={"customer_id": cid, "warehouse_id": wh,
                                       "lines": [{"product_id": p, "quantity": 9}]}).status_code == 409
    assert keeper.post("/loans", json={"customer_id": str(uuid.uuid4()), "warehouse_id": wh,
                                       "lines": [{"product_id": p, "quantity": 1}]}).status_code == 422
    assert rep.post("/loans", json={"customer_id": cid, "warehouse_id": wh,
                                    "lines": [{"product_id": p, "quantity": 1}]}).status_code == 403


def test_the_warehouse_finds_whom_to_lend_to_by_name_and_nothing_more(world, keeper, clients, customer_of):
    import uuid as _uuid

    tag = _uuid.uuid4().hex[:6]
    rep = clients.as_new("sales")
    cid = customer_of(rep.user["id"], name=f"杭州{tag}_样品%客户")
    customer_of(rep.user["id"], name=f"宁波{tag}物流")
    found = keeper.get("/loans/customers", query_string={"q": f"{tag}_样品%"}).get_json()
    assert found["items"] == [{"id": cid, "name": f"杭州{tag}_样品%客户"}] and found["total"] == 1  # % and _ literal
    assert keeper.get("/loans/customers", query_string={"q": tag}).get_json()["total"] == 2
    assert rep.get("/loans/customers").status_code == 403  # lending is the warehouse's
    assert keeper.get("/loans/customers", query_string={"q": "x" * 101}).status_code == 422
    p, wh = world.product(), world.warehouse()
    world.receive(wh, {p: 2})
    loan = keeper.post("/loans", json={"customer_id": cid, "warehouse_id": wh, "lines": [{"product_id": p, "quantity": 1}]})
    assert loan.status_code == 201, loan.get_json()
    [listed] = keeper.get("/loans", query_string={"customer_id": cid}).get_json()["items"]
    assert listed["customer_name"] == f"杭州{tag}_样品%客户"
