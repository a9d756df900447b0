"""Issue 16: fees on an order (in net/tax/gross and every sales.order.* snapshot), the
requested delivery date (order and line; the ship queue's sort), and editing an order
before it is confirmed (PATCH /orders/{id}): a held order freely, the approval rule read
again; a pending order (its reservation requested) only its fees and delivery date."""

from __future__ import annotations

import pytest

from shared.events import validate

from .conftest import WAREHOUSE

pytestmark = pytest.mark.integration


def _order(world, who: str = "rep1", discount: str = "0", **extra) -> dict:
    pid = world.product(list_price="100.00")
    r = world.client(who).post("/orders", json={
        "customer_id": world.customers["rep1"],
        "lines": [{"product_id": pid, "quantity": 2, "tax_rate": 13, "discount_pct": discount}], **extra})
    assert r.status_code == 201, r.json
    return r.json


def _check_events(world, order_id: str) -> None:
    for event in world.events(order_id):
        validate(event["event_type"], event["data"])


def test_fees_add_to_the_totals_and_ride_on_the_events(world):
    order = _order(world, fees=[{"kind": "freight", "description": "顺丰到付", "amount": "50.00"},
                                {"kind": "installation", "amount": "120.00", "tax_rate": "6"}])
    # lines 200.00 + 26.00 tax; freight 50.00 + 6.50 (default 13%); installation 120.00 + 7.20
    assert (order["net"], order["tax"], order["gross"]) == ("370.00", "39.70", "409.70")
    assert order["fees"] == [
        {"kind": "freight", "description": "顺丰到付", "amount": "50.00", "tax_rate": "13", "tax": "6.50", "gross": "56.50"},
        {"kind": "installation", "description": None, "amount": "120.00", "tax_rate": "6", "tax": "7.20",
         "gross": "127.20"}]
    assert world.client("rep1").get(f"/orders/{order['id']}").json["gross"] == "409.70"
    placed = world.events(order["id"])[-1]
    assert placed["event_type"] == "sales.order.placed"
    assert placed["data"]["gross"] == "409.70" and len(placed["data"]["fees"]) == 2
    _check_events(world, order["id"])


@pytest.mark.parametrize("fee", [{"kind": "tips", "amount": "1"}, {"kind": "freight"}, {"kind": "freight", "amount": "-1"},
                                 {"kind": "freight", "amount": "1.001"}, {"kind": "other", "amount": "1", "tax_rate": "101"},
                                 {"kind": "other", "amount": "1", "description": "x" * 201}])
def test_bad_fees_are_422(world, fee):
    pid = world.product()
    r = world.client("rep1").post("/orders", json={"customer_id": world.customers["rep1"],
                                                   "lines": [{"product_id": pid, "quantity": 1}], "fees": [fee]})
    assert r.status_code == 422 and "fees" in r.json["error"]["details"], r.json


def test_an_older_snapshot_without_fees_still_loads():
    from shared.events.sales import _ORDER, OrderPlaced

    validate("sales.order.placed", dict(_ORDER))
    loaded = OrderPlaced().load(dict(_ORDER))
    assert loaded["fees"] == [] and loaded["delivery_date"] is None


def test_delivery_dates_on_the_order_and_its_lines_and_the_sort(world):
    pid = world.product()
    r = world.client("rep1").post("/orders", json={
        "customer_id": world.customers["rep1"], "delivery_date": "2027-01-20",
        "lines": [{"product_id": pid, "quantity": 1, "delivery_date": "2027-01-10"}, {"product_id": pid, "quantity": 1}]})
    assert r.status_code == 201, r.json
    later = r.json
    assert later["delivery_date"] == "2027-01-20"
    assert [ln["delivery_date"] for ln in later["lines"]] == ["2027-01-10", None]
    sooner = _order(world, delivery_date="2027-01-05")
    _check_events(world, later["id"])
    bad = world.client("rep1").post("/orders", json={"customer_id": world.customers["rep1"], "delivery_date": "soon",
                                                     "lines": [{"product_id": pid, "quantity": 1}]})
    assert bad.status_code == 422 and "delivery_date" in bad.json["error"]["details"]
    ids = [o["id"] for o in world.client("rep1").get("/orders", query_string={
        "sort": "delivery_date", "per_page": 100}).json["items"]]
    assert ids.index(sooner["id"]) < ids.index(later["id"])
    # the same date, or none: first come, first served (the ship queue's order), never by random id
    first, second = _order(world), _order(world)
    undated = [i for i in ids_sorted(world) if i in (first["id"], second["id"])]
    assert undated == [first["id"], second["id"]]


def ids_sorted(world) -> list[str]:
    return [o["id"] for o in world.client("rep1").get("/orders", query_string={
        "sort": "delivery_date", "per_page": 200}).json["items"]]


def test_a_held_order_edited_within_the_threshold_is_placed(world):
    order = _order(world, discount="40")
    assert order["status"] == "pending_approval"
    pid = order["lines"][0]["product_id"]
    r = world.client("rep1").patch(f"/orders/{order['id']}", json={
        "lines": [{"product_id": pid, "quantity": 3, "discount_pct": "10", "tax_rate": 13}],
        "fees": [{"kind": "freight", "amount": "30.00"}], "delivery_date": "2027-02-01"})
    assert r.status_code == 200, r.json
    edited = r.json
    # 3 x 90.00 = 270.00 + 35.10; freight 30.00 + 3.90
    assert (edited["status"], edited["net"], edited["gross"]) == ("pending", "300.00", "339.00")
    assert edited["delivery_date"] == "2027-02-01" and edited["edited_by"] == world.users["rep1"]["id"]
    assert world.event_types(order["id"])[-2:] == ["sales.order.updated", "sales.order.placed"]
    placed = world.events(order["id"])[-1]["data"]
    assert placed["lines"][0]["quantity"] == 3 and placed["gross"] == "339.00"
    _check_events(world, order["id"])
    # inventory reserves what was placed: confirmed
    world.feed("inventory.stock.reserved", {"order_id": order["id"], "warehouse_id": WAREHOUSE,
                                            "lines": [{"product_id": pid, "quantity": 3}]}, aggregate_type="reservation")
    assert world.client("rep1").get(f"/orders/{order['id']}").json["status"] == "confirmed"


def test_a_held_order_still_past_the_threshold_stays_held_and_its_editor_may_not_approve(world):
    order = _order(world, who="rep1", discount="40")
    pid = order["lines"][0]["product_id"]
    r = world.client("manager").patch(f"/orders/{order['id']}", json={
        "lines": [{"product_id": pid, "quantity": 1, "discount_pct": "50"}]})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "pending_approval" and r.json["gross"] == "56.50"
    assert world.event_types(order["id"])[-2:] == ["sales.order.updated", "sales.order.approval_requested"]
    # only a date: no new request
    assert world.client("manager").patch(f"/orders/{order['id']}", json={"delivery_date": "2027-04-01"}).status_code == 200
    assert world.event_types(order["id"])[-1] == "sales.order.updated"
    # the manager wrote these prices now: four eyes
    assert world.client("manager").post(f"/orders/{order['id']}/approve").status_code == 403
    assert world.client("top").post(f"/orders/{order['id']}/approve").status_code == 200
    # a bigger discount on an order within the threshold: held again
    plain = _order(world)
    assert plain["status"] == "pending"


def test_a_pending_order_keeps_its_lines_but_takes_fees_and_a_date(world):
    order = _order(world)
    assert order["status"] == "pending"
    pid = order["lines"][0]["product_id"]
    r = world.client("rep1").patch(f"/orders/{order['id']}", json={"lines": [{"product_id": pid, "quantity": 9}]})
    assert r.status_code == 409 and r.json["error"]["code"] == "order_not_editable", r.json
    assert r.json["error"]["details"] == {"status": "pending", "fields": ["lines"]}
    assert "reservation" in r.json["error"]["message"]
    r = world.client("rep1").patch(f"/orders/{order['id']}", json={
        "fees": [{"kind": "other", "description": "加急", "amount": "10.00"}], "delivery_date": None})
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["gross"]) == ("pending", "237.30")
    assert r.json["lines"][0]["quantity"] == 2
    types = world.event_types(order["id"])
    assert types[-1] == "sales.order.updated" and types.count("sales.order.placed") == 1  # no second reservation
    world.feed("inventory.stock.reserved", {"order_id": order["id"], "warehouse_id": WAREHOUSE,
                                            "lines": [{"product_id": pid, "quantity": 2}]}, aggregate_type="reservation")
    confirmed = world.client("rep1").get(f"/orders/{order['id']}").json
    assert (confirmed["status"], confirmed["gross"]) == ("confirmed", "237.30")
    late = world.client("rep1").patch(f"/orders/{order['id']}", json={"delivery_date": "2027-03-01"})
    assert late.status_code == 409 and late.json["error"]["details"]["status"] == "confirmed"


def test_who_may_edit_and_bad_edits(world):
    order = _order(world, discount="40")
    path = f"/orders/{order['id']}"
    assert world.client("rep2").patch(path, json={"delivery_date": "2027-01-01"}).status_code == 404
    assert world.client("warehouse").patch(path, json={"delivery_date": "2027-01-01"}).status_code == 403
    assert world.client("finance").patch(path, json={"delivery_date": "2027-01-01"}).status_code == 403
    empty = world.client("rep1").patch(path, json={})
    assert empty.status_code == 422
    assert world.client("rep1").patch(path, json={"lines": []}).status_code == 422
    assert world.client("rep1").patch(path, json={"fees": [{"kind": "freight", "amount": "x"}]}).status_code == 422
    assert world.client("rep1").get(path).json["status"] == "pending_approval"
    world.client("rep1").post(f"{path}/cancel")
    assert world.client("rep1").patch(path, json={"delivery_date": "2027-01-01"}).status_code == 409


def test_the_preview_prices_lines_and_fees_as_the_order_would(world):
    pid = world.product(list_price="100.00")
    body = {"customer_id": world.customers["rep1"],
            "lines": [{"product_id": pid, "quantity": 2, "discount_pct": "40", "tax_rate": 13}],
            "fees": [{"kind": "freight", "amount": "50.00"}]}
    r = world.client("rep1").post("/orders/preview", json=body)
    assert r.status_code == 200, r.json
    assert (r.json["net"], r.json["tax"], r.json["gross"], r.json["needs_approval"]) == ("170.00", "22.10", "192.10", True)
    assert r.json["fees"][0]["gross"] == "56.50" and r.json["lines"][0]["gross"] == "135.60"
    body["lines"][0]["discount_pct"] = "10"
    assert world.client("rep1").post("/orders/preview", json=body).json["needs_approval"] is False
    order = world.client("rep1").post("/orders", json=body).json
    again = world.client("rep1").post("/orders/preview", json=body).json
    assert (order["net"], order["tax"], order["gross"]) == (again["net"], again["tax"], again["gross"])
    before = len(world.events())
    assert world.client("rep2").post("/orders/preview", json=body).status_code == 422  # not their customer
    assert world.client("warehouse").post("/orders/preview", json=body).status_code == 403
    assert world.client("rep1").post("/orders/preview", json={**body, "fees": [{"kind": "x", "amount": "1"}]}).status_code == 422
    assert len(world.events()) == before  # nothing saved, nothing published
