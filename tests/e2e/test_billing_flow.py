"""Billing through the gateway: an order placed in sales reaches billing by events;
invoices and payments move the order's payment_status in sales; visibility holds."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def people(admin):
    return {"rep": admin.create_user("sales"), "other": admin.create_user("sales"),
            "finance": admin.create_user("finance")}


@pytest.fixture(scope="module")
def product(admin):
    tag = uuid.uuid4().hex[:8]
    prod = admin.post("/products", json={"sku": f"BILL-{tag}", "name": f"计费测试 {tag}", "unit": "台",
                                         "list_price": "100.00"})
    assert prod.status_code == 201, prod.text
    wh = admin.post("/warehouses", json={"code": f"WB{tag}", "name": f"计费仓 {tag}"})
    assert wh.status_code == 201, wh.text
    receipt = admin.post("/stock/receipts", json={"warehouse_id": wh.json()["id"],
                                                  "lines": [{"product_id": prod.json()["id"], "quantity": 100}]})
    assert receipt.status_code == 201, receipt.text
    return prod.json()["id"]


def place_order(rep, product_id: str, quantity: int) -> dict:
    customer = rep.post("/customers", json={"name": f"计费客户 {uuid.uuid4().hex[:10]}"})
    assert customer.status_code == 201, customer.text
    cid = customer.json()["id"]

    def create():
        r = rep.post("/orders", json={"customer_id": cid, "lines": [
            {"product_id": product_id, "quantity": quantity, "unit_price": "100.00", "tax_rate": "13"}]})
        return r.json() if r.status_code == 201 else None

    return eventually(create, timeout=20)


def test_invoices_and_payments_move_the_orders_payment_status(people, product, admin):
    rep, other, finance = people["rep"], people["other"], people["finance"]
    order = place_order(rep, product, 2)
    oid, cid, gross = order["id"], order["customer_id"], Decimal(order["gross"])

    def invoice():
        r = finance.post("/invoices", json={"order_id": oid, "amount": "100.00"})
        assert r.status_code != 422 or r.json()["error"]["code"] == "unknown_order", r.text
        return r if r.status_code == 201 else None

    inv = eventually(invoice, timeout=20).json()
    assert inv["number"].startswith("FP-")
    too_much = finance.post("/invoices", json={"order_id": oid, "amount": str(gross)})
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "invoice_exceeds_order"

    first = finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "100.00",
                                            "method": "bank_transfer", "account": "招商银行 基本户"})
    assert first.status_code == 201, first.text

    def sales_sees(status):
        o = rep.get(f"/orders/{oid}").json()
        return o if o["payment_status"] == status else None

    partially = eventually(lambda: sales_sees("partially_paid"), timeout=20)
    assert partially["paid_amount"] == "100.00" and partially["invoiced_amount"] == "100.00"

    currency = "USD"
    rate = admin.post("/exchange-rates", json={"currency": currency, "rate_to_cny": "8.000000", "date": "2026-01-01"})
    assert rate.status_code in (201, 409), rate.text
    rest_usd = ((gross - Decimal("100.00")) / Decimal(8)).quantize(Decimal("0.01"))
    second = finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": str(rest_usd),
                                             "currency": currency, "method": "bank_transfer"})
    assert second.status_code == 201, second.text
    assert second.json()["rate_to_cny"] == "8.000000"
    assert Decimal(second.json()["amount_cny"]) == gross - Decimal("100.00")  # 2 x 113.00 - 100 = 126 = 15.75 USD
    assert eventually(lambda: sales_sees("paid"), timeout=20)["paid_amount"] == str(gross)

    # the other rep sees none of it
    assert other.get("/invoices", params={"customer_id": cid}).json()["total"] == 0
    assert other.get(f"/invoices/{inv['id']}").status_code == 404
    assert other.get("/receivables", params={"customer_id": cid}).json()["items"] == []
    assert other.post("/payments", json={"customer_id": cid, "amount": "1.00", "method": "cash"}).status_code == 403
    mine = rep.get("/receivables", params={"customer_id": cid}).json()["items"][0]
    assert mine["invoiced"] == "100.00"

    def on_timeline():
        types = {e["type"] for e in rep.get("/timeline", params={"customer_id": cid, "per_page": 200}).json()["items"]}
        return {"billing.invoice.issued", "billing.payment.received"} <= types

    assert eventually(on_timeline, timeout=20)  # billing events carry the customer id


def test_prepayment_allocation_and_expense_approval(people, product, admin):
    rep, other, finance = people["rep"], people["other"], people["finance"]
    order = place_order(rep, product, 1)
    oid, cid = order["id"], order["customer_id"]
    pre = finance.post("/payments", json={"customer_id": cid, "amount": order["gross"], "method": "alipay"})
    assert pre.status_code == 201 and pre.json()["order_id"] is None

    def allocate():
        r = finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": oid, "amount": order["gross"]})
        return r if r.status_code == 201 else None

    assert eventually(allocate, timeout=20).json()["credit_remaining"] == "0.00"
    eventually(lambda: rep.get(f"/orders/{oid}").json()["payment_status"] == "paid", timeout=20)

    claim = rep.post("/expenses", json={"amount": "88.00", "category": "招待", "description": "客户午餐",
                                        "customer_id": cid})
    assert claim.status_code == 201 and claim.json()["status"] == "submitted"
    eid = claim.json()["id"]
    assert other.post(f"/expenses/{eid}/approve").status_code == 404
    assert finance.post(f"/expenses/{eid}/pay").status_code == 409
    assert admin.post(f"/expenses/{eid}/approve").json()["status"] == "approved"
    assert finance.post(f"/expenses/{eid}/pay").json()["status"] == "paid"


def test_a_rep_cannot_invoice_or_pay_their_own_order(people, product):
    """The insider (issue 11.3): the rep issues the invoice and records a fictitious cash
    payment on their own order. Both are finance's: 403, and the order stays unpaid."""
    rep, finance = people["rep"], people["finance"]
    order = place_order(rep, product, 1)
    oid, cid = order["id"], order["customer_id"]
    invoice = rep.post("/invoices", json={"order_id": oid, "amount": order["gross"]})
    assert invoice.status_code == 403 and invoice.json()["error"]["code"] == "forbidden"

    def finance_invoices():  # billing knows the order once this works
        r = finance.post("/invoices", json={"order_id": oid, "amount": "1.00"})
        return r if r.status_code == 201 else None

    eventually(finance_invoices, timeout=20)
    again = rep.post("/invoices", json={"order_id": oid, "amount": "1.00"})
    assert again.status_code == 403
    cash = rep.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": order["gross"], "method": "cash"})
    assert cash.status_code == 403 and cash.json()["error"]["code"] == "forbidden"
    credit = rep.post("/payments", json={"customer_id": cid, "amount": order["gross"], "method": "cash"})
    assert credit.status_code == 403
    assert rep.post(f"/payments/{uuid.uuid4()}/confirm").status_code in (403, 404)
    assert finance.get("/payments", params={"customer_id": cid}).json()["total"] == 0  # nothing to reach sales
    assert finance.get("/invoices", params={"customer_id": cid}).json()["total"] == 1
    assert rep.get(f"/orders/{oid}").json()["payment_status"] == "unpaid"
