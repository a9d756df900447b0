"""Opening balances, receivables per customer, the ageing report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def rep(billing):
    return billing.user("sales")


def days_ago(n: int) -> str:
    return (datetime.now(UTC) - timedelta(days=n)).isoformat()


def recomputed(billing, cid: str) -> dict[str, Decimal]:
    """The same figures straight from the detail rows, to check the running sums."""
    q = billing.scalar
    opening = q("SELECT coalesce(sum(amount), 0) FROM opening_balances WHERE customer_id = :c", c=cid)
    invoiced = q("SELECT coalesce(sum(amount), 0) FROM invoices WHERE customer_id = :c AND status = 'issued'", c=cid)
    on_orders = q("SELECT coalesce(sum(amount_cny), 0) FROM payments WHERE customer_id = :c AND order_id IS NOT NULL",
                  c=cid)
    prepaid = q("SELECT coalesce(sum(amount_cny), 0) FROM payments WHERE customer_id = :c AND order_id IS NULL", c=cid)
    allocated = q("SELECT coalesce(sum(amount_cny), 0) FROM prepayment_allocations WHERE customer_id = :c", c=cid)
    paid = on_orders + allocated
    return {"invoiced": invoiced, "paid": paid, "credit": prepaid - allocated,
            "outstanding": opening + invoiced - paid}


def test_receivables_arithmetic(billing, finance, rep):
    cid = billing.customer(rep)
    a = billing.order(cid, rep, "500.00")
    b = billing.order(cid, rep, "800.00")
    assert finance.post("/opening-balances", json={"customer_id": cid, "amount": "1000.00",
                                                   "as_of": "2026-01-01", "note": "上线前应收"}).status_code == 201
    inv_a = finance.post("/invoices", json={"order_id": a, "amount": "500.00"}).json
    finance.post("/invoices", json={"order_id": b, "amount": "300.00"})
    finance.post(f"/invoices/{inv_a['id']}/void", json={"reason": "金额错误"})
    finance.post("/invoices", json={"order_id": a, "amount": "450.00"})
    finance.post("/payments", json={"customer_id": cid, "order_id": a, "amount": "200.00", "method": "cash"})
    finance.post("/payments", json={"customer_id": cid, "amount": "600.00", "method": "bank_transfer"})
    finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": b, "amount": "250.00"})

    row = rep.get("/receivables", query_string={"customer_id": cid}).json["items"][0]
    assert row == {"customer_id": cid, "opening_balance": "1000.00", "invoiced": "750.00", "paid": "450.00",
                   "credit": "350.00", "outstanding": "1300.00", "net_outstanding": "950.00",
                   "customer_name": "测试客户"}
    expected = recomputed(billing, cid)
    assert {k: Decimal(row[k]) for k in expected} == expected
    assert finance.get("/opening-balances", query_string={"customer_id": cid}).json["items"][0]["amount"] == "1000.00"
    event = billing.events("billing.opening_balance.recorded", cid)[0]
    assert event["customer_id"] == cid and event["data"]["as_of"] == "2026-01-01"


def test_opening_balance_rules(billing, finance, rep):
    cid = billing.customer(rep)
    body = {"customer_id": cid, "amount": "10.00"}
    assert rep.post("/opening-balances", json=body).status_code == 403
    created = finance.post("/opening-balances", json=body)
    assert created.status_code == 201 and created.json["as_of"] == datetime.now(UTC).date().isoformat()
    dup = finance.post("/opening-balances", json=body)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "duplicate_opening_balance"
    unknown = finance.post("/opening-balances", json={**body, "customer_id": "00000000-0000-4000-8000-00000000000a"})
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "unknown_customer"
    assert finance.post("/opening-balances", json={**body, "amount": "-1"}).status_code == 422
    assert finance.post("/opening-balances", json={**body, "as_of": "soon"}).status_code == 422
    assert billing.scalar("SELECT opening FROM receivables WHERE customer_id = :c", c=cid) == Decimal("10.00")


def test_ageing_buckets_by_invoice_date_with_fifo_settlement(billing, finance, rep):
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "10000.00")
    today = datetime.now(UTC).date()
    finance.post("/opening-balances", json={"customer_id": cid, "amount": "100.00",
                                            "as_of": (today - timedelta(days=200)).isoformat()})
    for age, amount in ((120, "200.00"), (75, "300.00"), (45, "400.00"), (5, "500.00")):
        resp = finance.post("/invoices", json={"order_id": oid, "amount": amount, "issued_at": days_ago(age)})
        assert resp.status_code == 201, resp.json
    finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "350.00", "method": "cash"})
    # 350 paid: the opening 100 and the 120-day invoice's 200 settle, 50 of the 75-day one
    report = rep.get("/receivables/ageing", query_string={"customer_id": cid}).json
    assert report["as_of"] == today.isoformat()
    assert report["items"] == [{"customer_id": cid, "customer_name": "测试客户", "days_0_30": "500.00",
                                "days_31_60": "400.00", "days_61_90": "250.00", "days_over_90": "0.00",
                                "total": "1150.00"}]
    later = rep.get("/receivables/ageing", query_string={"customer_id": cid,
                                                         "as_of": (today + timedelta(days=30)).isoformat()}).json
    assert later["items"][0]["days_31_60"] == "500.00" and later["items"][0]["days_over_90"] == "250.00"
    outstanding = rep.get("/receivables", query_string={"customer_id": cid}).json["items"][0]["outstanding"]
    assert outstanding == report["items"][0]["total"]
    # a customer who owes nothing is not in the ageing report
    paid_up = billing.customer(rep)
    o2 = billing.order(paid_up, rep, "10.00")
    finance.post("/invoices", json={"order_id": o2, "amount": "10.00"})
    finance.post("/payments", json={"customer_id": paid_up, "order_id": o2, "amount": "10.00", "method": "cash"})
    assert rep.get("/receivables/ageing", query_string={"customer_id": paid_up}).json["items"] == []
    assert rep.get("/receivables/ageing", query_string={"as_of": "31/12/2026"}).status_code == 422


def test_receivables_visibility(billing, finance, rep):
    other = billing.user("sales")
    warehouse = billing.user("warehouse")
    mine = billing.customer(rep)
    theirs = billing.customer(other)
    for cid in (mine, theirs):
        finance.post("/payments", json={"customer_id": cid, "amount": "5.00", "method": "cash"})
    seen = {i["customer_id"] for i in rep.get("/receivables", query_string={"per_page": 200}).json["items"]}
    assert mine in seen and theirs not in seen
    assert rep.get("/receivables", query_string={"customer_id": theirs}).json["items"] == []
    quiet = billing.customer(rep)  # no billing yet: one row of zeros for a customer one sees
    zero = rep.get("/receivables", query_string={"customer_id": quiet}).json
    assert zero["total"] == 1 and zero["items"][0]["outstanding"] == "0.00"
    assert other.get("/receivables", query_string={"customer_id": quiet}).json["total"] == 0
    assert warehouse.get("/receivables").json["total"] == 0
    assert finance.get("/receivables", query_string={"customer_id": theirs}).json["total"] == 1
    assert rep.get("/receivables", query_string={"customer_id": "bad"}).status_code == 422
    assert rep.get("/opening-balances", query_string={"customer_id": theirs}).json["total"] == 0




def test_finance_finds_a_customer_by_name_with_or_without_billing(billing, finance, rep):
    """q: the customers the caller sees whose name holds it, zero balances where billing has
    none yet (finance picks the customer of an opening balance this way); a rep's search
    never shows another rep's customer; wildcards are taken literally."""
    from shared.testing.clients import seed_customer

    tag = uuid.uuid4().hex[:8]
    other = billing.user("sales")
    fresh = seed_customer(billing.engine, rep.user["id"], name=f"期初{tag}华南贸易")
    billed = seed_customer(billing.engine, rep.user["id"], name=f"{tag}期初华东")
    theirs = seed_customer(billing.engine, other.user["id"], name=f"期初{tag}别人的")
    seed_customer(billing.engine, rep.user["id"], name=f"期初{tag[:4]}_x%")
    assert finance.post("/opening-balances", json={"customer_id": billed, "amount": "88.00"}).status_code == 201

    found = finance.get("/receivables", query_string={"q": tag}).json
    by_id = {r["customer_id"]: r for r in found["items"]}
    assert set(by_id) == {fresh, billed, theirs} and found["total"] == 3
    assert by_id[fresh]["outstanding"] == "0.00" and by_id[fresh]["customer_name"] == f"期初{tag}华南贸易"
    assert by_id[billed]["opening_balance"] == "88.00" and by_id[billed]["outstanding"] == "88.00"
    assert found["items"][0]["customer_id"] == billed  # the name that starts with q first
    assert {r["customer_id"] for r in rep.get("/receivables", query_string={"q": tag}).json["items"]} == {fresh, billed}
    assert finance.get("/receivables", query_string={"q": f"{tag[:4]}%"}).json["total"] == 0
    assert finance.get("/receivables", query_string={"q": "x" * 101}).status_code == 422
