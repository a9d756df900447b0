"""Finance and warehouse see the customer's name on the records of their work (orders,
invoices, payments, shipments) without gaining access to the customer itself; an order
shows the warehouse that reserved its stock (issue 14.0)."""

from __future__ import annotations

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.test_billing_flow import place_order, product  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def staff(admin):
    return {"rep": admin.create_user("sales"), "finance": admin.create_user("finance"),
            "warehouse": admin.create_user("warehouse")}


def test_finance_and_warehouse_see_names_not_customers(staff, product):  # noqa: F811
    rep, finance, warehouse = staff["rep"], staff["finance"], staff["warehouse"]
    order = place_order(rep, product, 1)
    name = rep.get(f"/customers/{order['customer_id']}").json()["name"]
    confirmed = eventually(lambda: (o := rep.get(f"/orders/{order['id']}").json())["status"] == "confirmed" and o,
                           timeout=20)
    assert confirmed["reserved_warehouse_id"]

    for who in (finance, warehouse):
        seen = who.get(f"/orders/{order['id']}").json()
        assert seen["customer_name"] == name and seen["reserved_warehouse_id"] == confirmed["reserved_warehouse_id"]
        listed = who.get("/orders", params={"customer_id": order["customer_id"]}).json()["items"]
        assert [o["customer_name"] for o in listed] == [name]
        assert who.get(f"/customers/{order['customer_id']}").status_code == 404  # a name, not access

    invoice = finance.post("/invoices", json={"order_id": order["id"], "amount": "50.00"})
    assert invoice.status_code == 201, invoice.text
    assert finance.get(f"/invoices/{invoice.json()['id']}").json()["customer_name"] == name
    payment = finance.post("/payments", json={"customer_id": order["customer_id"], "order_id": order["id"],
                                              "amount": "50.00", "method": "bank_transfer"})
    assert payment.status_code == 201, payment.text
    assert [p["customer_name"] for p in finance.get("/payments", params={"order_id": order["id"]}).json()["items"]] == [name]

    shipment = warehouse.post("/shipments", json={"order_id": order["id"], "warehouse_id": confirmed["reserved_warehouse_id"],
                                                  "lines": [{"product_id": product, "quantity": 1}]})
    assert shipment.status_code == 201, shipment.text
    assert warehouse.get(f"/shipments/{shipment.json()['id']}").json()["customer_name"] == name
    assert [s["customer_name"] for s in warehouse.get("/shipments", params={"order_id": order["id"]}).json()["items"]] == [name]
