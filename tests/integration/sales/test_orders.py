"""Orders through the sales API: pricing, approval, cancel, and the events written."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def order_body(world, product_id: str, **line) -> dict:
    return {"customer_id": world.customers["rep1"], "lines": [{"product_id": product_id, "quantity": 3, **line}]}


def test_order_amounts_follow_the_money_rules_and_start_the_saga(world):
    pid = world.product(list_price="100.00")
    r = world.client("rep1").post("/orders", json=order_body(world, pid, discount_pct="10", tax_rate=13))
    assert r.status_code == 201, r.json
    order = r.json
    assert order["status"] == "pending"
    assert order["payment_status"] == "unpaid"
    assert order["owner_id"] == world.users["rep1"]["id"]
    line = order["lines"][0]
    assert (line["unit_price"], line["discount_pct"], line["tax_rate"]) == ("100.00", "10", "13")
    assert (line["net"], line["tax"], line["gross"]) == ("270.00", "35.10", "305.10")
    assert (order["net"], order["tax"], order["gross"]) == ("270.00", "35.10", "305.10")
    assert order["invoiced_amount"] == "0.00" and order["paid_amount"] == "0.00"
    assert order["number"].startswith("SO-")
    events = world.events(order["id"])
    assert [e["event_type"] for e in events] == ["sales.order.created", "sales.order.placed"]
    placed = events[1]
    assert placed["customer_id"] == world.customers["rep1"]
    assert placed["actor_id"] == world.users["rep1"]["id"]
    assert placed["data"]["lines"][0]["quantity"] == 3
    assert [e["aggregate_seq"] for e in events] == [1, 2]
    got = world.client("rep1").get(f"/orders/{order['id']}").json
    assert got["gross"] == "305.10" and got["lines"][0]["product_name"] == "离心泵"


def test_unit_price_defaults_to_last_price_for_this_customer_else_list_price(world):
    pid = world.product(list_price="88.00")
    rep1 = world.client("rep1")
    first = rep1.post("/orders", json=order_body(world, pid, tax_rate=0)).json
    assert first["lines"][0]["unit_price"] == "88.00"
    rep1.post("/orders", json=order_body(world, pid, unit_price="75.50", tax_rate=0))
    third = rep1.post("/orders", json=order_body(world, pid)).json
    assert third["lines"][0]["unit_price"] == "75.50"
    assert third["lines"][0]["tax_rate"] == "13"  # the default tax rate
    # another customer still gets the list price
    other = world.client("rep2").post("/orders", json={
        "customer_id": world.customers["rep2"], "lines": [{"product_id": pid, "quantity": 1}]}).json
    assert other["lines"][0]["unit_price"] == "88.00"


def test_cancelled_order_does_not_set_the_last_price(world):
    pid = world.product(list_price="50.00")
    rep1 = world.client("rep1")
    o = rep1.post("/orders", json=order_body(world, pid, unit_price="10.00")).json
    assert rep1.post(f"/orders/{o['id']}/cancel", json={"reason": "客户改主意"}).status_code == 200
    again = rep1.post("/orders", json=order_body(world, pid)).json
    assert again["lines"][0]["unit_price"] == "50.00"


def test_tax_inclusive_unit_price_is_converted(world):
    pid = world.product()
    r = world.client("rep1").post("/orders", json=order_body(
        world, pid, unit_price="113.00", unit_price_includes_tax=True, tax_rate="13"))
    assert r.status_code == 201
    assert r.json["lines"][0]["unit_price"] == "100.00"
    assert r.json["lines"][0]["gross"] == "339.00"


@pytest.mark.parametrize("line,field", [
    ({"quantity": 0}, "quantity"),
    ({"quantity": "3"}, "quantity"),
    ({"unit_price": "-1.00"}, "unit_price"),
    ({"unit_price": "1.005"}, "unit_price"),
    ({"unit_price": "abc"}, "unit_price"),
    ({"discount_pct": 101}, "discount_pct"),
    ({"tax_rate": -1}, "tax_rate"),
    ({"unit_price": "1e999999"}, "unit_price"),
    ({"unit_price": "99999999999.99", "quantity": 2}, "quantity"),
    ({"discount_pct": "10.00001"}, "discount_pct"),
])
def test_bad_lines_are_422_with_details_and_write_nothing(world, line, field):
    pid = world.product()
    before = len(world.events())
    body = order_body(world, pid)
    body["lines"][0].update(line)
    r = world.client("rep1").post("/orders", json=body)
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "validation_failed"
    assert field in r.json["error"]["details"]["lines"]["0"]
    assert len(world.events()) == before


def test_unknown_or_inactive_product_is_422(world):
    inactive = world.product(active=False)
    for pid in (str(uuid.uuid4()), inactive):
        r = world.client("rep1").post("/orders", json=order_body(world, pid))
        assert r.status_code == 422
        assert "product_id" in r.json["error"]["details"]["lines"]["0"]


def test_malformed_and_missing_bodies(world):
    rep1 = world.client("rep1")
    r = rep1.post("/orders", data=b"{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_json"
    r = rep1.post("/orders", json={"customer_id": world.customers["rep1"], "lines": []})
    assert r.status_code == 422 and "lines" in r.json["error"]["details"]
    r = rep1.post("/orders", json={"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]})
    assert r.status_code == 422 and "customer_id" in r.json["error"]["details"]


def test_order_for_a_customer_the_rep_cannot_see_is_refused(world):
    pid = world.product()
    r = world.client("rep2").post("/orders", json=order_body(world, pid))
    assert r.status_code == 422
    assert "customer_id" in r.json["error"]["details"]


def test_roles_that_do_not_sell_cannot_create_orders(world):
    pid = world.product()
    for who in ("warehouse", "finance"):
        assert world.client(who).post("/orders", json=order_body(world, pid)).status_code == 403


# ---- approval ------------------------------------------------------------------------

def held_order(world, discount="35") -> dict:
    pid = world.product()
    r = world.client("rep1").post("/orders", json=order_body(world, pid, discount_pct=discount))
    assert r.status_code == 201
    return r.json


def test_discount_at_threshold_is_not_held_above_it_is(world):
    assert held_order(world, "30")["status"] == "pending"
    order = held_order(world, "30.5")
    assert order["status"] == "pending_approval"
    assert world.event_types(order["id"]) == ["sales.order.created", "sales.order.approval_requested"]


def test_owner_and_foreign_manager_may_not_approve(world):
    order = held_order(world)
    r = world.client("rep1").post(f"/orders/{order['id']}/approve")
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    # a manager who is not above the owner does not even see the order
    assert world.client("boss").post(f"/orders/{order['id']}/approve").status_code == 404
    assert world.client("rep2").post(f"/orders/{order['id']}/approve").status_code == 404
    assert world.client("rep1").get(f"/orders/{order['id']}").json["status"] == "pending_approval"


@pytest.mark.parametrize("approver", ["manager", "top", "admin"])
def test_manager_above_the_owner_or_admin_approves_and_the_saga_starts(world, approver):
    order = held_order(world)
    r = world.client(approver).post(f"/orders/{order['id']}/approve")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "pending"
    assert r.json["approved_by"] == world.users[approver]["id"]
    assert world.event_types(order["id"])[-2:] == ["sales.order.approved", "sales.order.placed"]
    again = world.client(approver).post(f"/orders/{order['id']}/approve")
    assert again.status_code == 409 and again.json["error"]["code"] == "illegal_transition"


def test_held_order_can_be_cancelled_without_approval(world):
    order = held_order(world)
    r = world.client("rep1").post(f"/orders/{order['id']}/cancel")
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert world.client("admin").post(f"/orders/{order['id']}/approve").status_code == 409


# ---- lists ---------------------------------------------------------------------------

def test_list_filters_and_paging(world):
    pid = world.product()
    rep2 = world.client("rep2")
    made = [rep2.post("/orders", json={"customer_id": world.customers["rep2"],
                                       "lines": [{"product_id": pid, "quantity": 1}]}).json for _ in range(3)]
    page1 = rep2.get("/orders", query_string={"customer_id": world.customers["rep2"], "per_page": 2}).json
    assert page1["per_page"] == 2 and len(page1["items"]) == 2 and page1["total"] >= 3
    page2 = rep2.get("/orders", query_string={"customer_id": world.customers["rep2"], "per_page": 2,
                                              "page": 2}).json
    ids = [o["id"] for o in page1["items"] + page2["items"]]
    assert len(ids) == len(set(ids))
    assert made[-1]["id"] == page1["items"][0]["id"]  # newest first
    assert all(o["status"] == "pending" for o in rep2.get("/orders", query_string={"status": "pending"}).json["items"])
    assert rep2.get("/orders", query_string={"status": "nope"}).status_code == 422
    assert rep2.get("/orders", query_string={"per_page": 500}).status_code == 422
    assert rep2.get("/orders", query_string={"customer_id": "x"}).status_code == 422
    assert rep2.get("/orders/not-a-uuid").status_code == 404
    assert rep2.get(f"/orders/{uuid.uuid4()}").status_code == 404


def test_deleted_customer_takes_no_new_orders(world):
    from shared.testing.clients import seed_customer

    cid = seed_customer(world.engine, world.users["rep1"]["id"], name="已删除客户", status="deleted")
    r = world.client("rep1").post("/orders", json={"customer_id": cid,
                                                   "lines": [{"product_id": world.product(), "quantity": 1}]})
    assert r.status_code == 422 and "customer_id" in r.json["error"]["details"]


def test_openapi_document_lists_the_sales_calls(world):
    doc = world.app.test_client().get("/openapi.json").json
    for path in ("/orders", "/orders/{order_id}/approve", "/quotes/{quote_id}/pdf", "/opportunities/pipeline",
                 "/contracts/{contract_id}/attachments"):
        assert path in doc["paths"], path
    assert "requestBody" in doc["paths"]["/orders"]["post"]
