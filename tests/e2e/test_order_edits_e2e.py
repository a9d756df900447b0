"""Issue 16.4 through the gateway, the whole suite running: an order with fees and a
delivery date, edited while held (its discount read again), reaches confirmed through the
reservation saga with the edited quantities reserved, and billing's copy of the order has
the edited gross (an invoice of exactly that is taken, a cent more is refused). A pending
order's lines are not edited (its reservation is on its way); its fees are."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(admin):
    tag = uuid.uuid4().hex[:8]
    manager = admin.create_user("manager")
    rep = admin.create_user("sales", manager_id=manager.user["id"])
    finance = admin.create_user("finance")
    product = admin.post("/products", json={"sku": f"OE-{tag}", "name": f"编辑泵 {tag}", "unit": "台",
                                            "list_price": "100.00"}).json()
    wh = admin.post("/warehouses", json={"code": f"OE{tag}", "name": f"编辑仓 {tag}"}).json()
    r = admin.post("/stock/receipts", json={"warehouse_id": wh["id"], "lines": [{"product_id": product["id"], "quantity": 20}]})
    assert r.status_code == 201, r.text
    customer = rep.post("/customers", json={"name": f"订单修改{tag}有限公司"}).json()
    return {"admin": admin, "manager": manager, "rep": rep, "finance": finance, "product": product["id"],
            "warehouse": wh["id"], "customer": customer["id"]}


def _create(world, **body):
    def attempt():
        r = world["rep"].post("/orders", json={"customer_id": world["customer"], **body})
        return r.json() if r.status_code == 201 else None  # 422 until the copies have arrived

    return eventually(attempt, timeout=20)


def _status(world, order_id):
    return world["rep"].get(f"/orders/{order_id}").json()["status"]


def _billing_takes_exactly(world, order_id, gross: str) -> None:
    """Billing's order copy has this gross: a cent more is refused, the whole of it taken."""
    over = str(Decimal(gross) + Decimal("0.01"))
    eventually(lambda: world["finance"].post("/invoices", json={"order_id": order_id, "amount": over}).status_code == 409,
               timeout=20)
    r = world["finance"].post("/invoices", json={"order_id": order_id, "amount": gross})
    assert r.status_code == 201, r.text


def test_a_held_order_edited_reaches_confirmed_with_the_new_reservation_and_gross(world):
    pid = world["product"]
    order = _create(world, lines=[{"product_id": pid, "quantity": 2, "discount_pct": "40", "tax_rate": "13"}],
                    fees=[{"kind": "freight", "amount": "50.00"}], delivery_date="2027-01-15", warehouse_id=world["warehouse"])
    assert order["status"] == "pending_approval"
    assert order["gross"] == "192.10"  # 2 x 60.00 = 120.00 + 15.60; freight 50.00 + 6.50
    r = world["rep"].patch(f"/orders/{order['id']}", json={
        "lines": [{"product_id": pid, "quantity": 3, "discount_pct": "10", "tax_rate": "13"}],
        "fees": [{"kind": "freight", "amount": "50.00"}, {"kind": "installation", "amount": "100.00", "tax_rate": "6"}]})
    assert r.status_code == 200, r.text
    edited = r.json()
    # 3 x 90.00 = 270.00 + 35.10; freight 56.50; installation 106.00
    assert (edited["status"], edited["gross"], edited["delivery_date"]) == ("pending", "467.60", "2027-01-15")
    eventually(lambda: _status(world, order["id"]) == "confirmed", timeout=30)
    reservation = world["admin"].get(f"/stock/reservations/{order['id']}").json()
    assert reservation["status"] == "reserved"
    assert [(ln["product_id"], ln["quantity"]) for ln in reservation["lines"]] == [(pid, 3)]
    _billing_takes_exactly(world, order["id"], "467.60")
    # tracking follows: the edit is on the customer's timeline with the new amount
    def edited_on_timeline():
        items = world["rep"].get("/timeline", params={"customer_id": world["customer"]}).json()["items"]
        return [i for i in items if i["type"] == "sales.order.updated" and "467.60" in i["summary"]]

    assert eventually(edited_on_timeline, timeout=20)


def test_a_held_order_still_past_the_limit_is_approved_again_and_billing_follows(world):
    pid = world["product"]
    order = _create(world, lines=[{"product_id": pid, "quantity": 1, "discount_pct": "40", "tax_rate": "13"}])
    r = world["rep"].patch(f"/orders/{order['id']}", json={
        "lines": [{"product_id": pid, "quantity": 4, "discount_pct": "50", "tax_rate": "13"}],
        "fees": [{"kind": "other", "description": "包装", "amount": "20.00"}]})
    assert r.status_code == 200 and r.json()["status"] == "pending_approval", r.text
    assert r.json()["gross"] == "248.60"  # 4 x 50.00 = 200.00 + 26.00; 20.00 + 2.60
    approved = world["manager"].post(f"/orders/{order['id']}/approve")
    assert approved.status_code == 200, approved.text
    eventually(lambda: _status(world, order["id"]) == "confirmed", timeout=30)
    reservation = world["admin"].get(f"/stock/reservations/{order['id']}").json()
    assert [ln["quantity"] for ln in reservation["lines"]] == [4]
    _billing_takes_exactly(world, order["id"], "248.60")


def test_a_pending_orders_lines_stay_as_reserved(world):
    pid = world["product"]
    order = _create(world, lines=[{"product_id": pid, "quantity": 1, "tax_rate": "13"}])
    # pending (its reservation requested) or, a moment later, confirmed: the lines stay either way
    r = world["rep"].patch(f"/orders/{order['id']}", json={"lines": [{"product_id": pid, "quantity": 5}]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_not_editable", r.text
    assert r.json()["error"]["details"]["status"] in ("pending", "confirmed")
    eventually(lambda: _status(world, order["id"]) == "confirmed", timeout=30)
    reservation = world["admin"].get(f"/stock/reservations/{order['id']}").json()
    assert [ln["quantity"] for ln in reservation["lines"]] == [1]
