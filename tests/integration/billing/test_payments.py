"""Payments in several currencies, prepayments and their allocation, exchange rates."""

from __future__ import annotations

import random
import string
import threading
from decimal import Decimal

import pytest

pytestmark = pytest.mark.integration


def fresh_currency() -> str:
    """A currency code no other test uses (rates are global)."""
    return "X" + "".join(random.choices(string.ascii_uppercase, k=2))


@pytest.fixture
def rep(billing):
    return billing.user("sales")


def test_cny_payments_move_the_order_from_unpaid_to_paid(billing, finance, rep):
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "305.10")
    first = finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "100",
                                            "method": "bank_transfer", "account": "招商银行 基本户"})
    assert first.status_code == 201, first.json
    p = first.json
    assert (p["amount"], p["currency"], p["rate_to_cny"], p["amount_cny"]) == ("100.00", "CNY", "1.000000", "100.00")
    assert p["kind"] == "order" and p["account"] == "招商银行 基本户"
    assert billing.last_balance(oid) == {"order_id": oid, "customer_id": cid, "gross": "305.10",
                                         "invoiced_amount": "0.00", "paid_amount": "100.00",
                                         "payment_status": "partially_paid"}
    over = finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "205.11", "method": "cash"})
    assert over.status_code == 409 and over.json["error"]["code"] == "payment_exceeds_order"
    assert finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "205.10",
                                           "method": "wechat_pay"}).status_code == 201
    assert billing.last_balance(oid)["payment_status"] == "paid"
    received = [e for e in billing.events("billing.payment.received") if e["data"]["order_id"] == oid]
    assert len(received) == 2 and all(e["customer_id"] == cid for e in received)
    listed = rep.get("/payments", query_string={"order_id": oid}).json
    assert listed["total"] == 2 and {i["amount_cny"] for i in listed["items"]} == {"100.00", "205.10"}


def test_foreign_currency_uses_the_latest_rate_on_or_before_the_payment_date(billing, finance, rep):
    cur = fresh_currency()
    for day, rate in (("2026-11-01", "7.1"), ("2026-11-20", "7.2345")):
        resp = finance.post("/exchange-rates", json={"currency": cur.lower(), "rate_to_cny": rate, "date": day})
        assert resp.status_code == 201, resp.json
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "100000.00")

    def pay(amount, when):
        return finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": amount,
                                               "currency": cur, "method": "bank_transfer", "received_at": when})

    early = pay("100.00", "2026-11-10T09:00:00+00:00")
    assert early.status_code == 201
    assert (early.json["rate_to_cny"], early.json["amount_cny"]) == ("7.100000", "710.00")
    on_day = pay("10.01", "2026-11-20T00:00:00Z")      # 10.01 * 7.2345 = 72.417345 -> 72.42
    assert (on_day.json["rate_to_cny"], on_day.json["amount_cny"]) == ("7.234500", "72.42")
    half = pay("0.15", "2026-11-19T23:59:59Z")         # 0.15 * 7.1 = 1.065 -> 1.07 (half-up, not even)
    assert half.json["amount_cny"] == "1.07", half.json
    missing = pay("1.00", "2026-10-31T23:59:59Z")
    assert missing.status_code == 422
    assert missing.json["error"]["code"] == "missing_exchange_rate"
    assert "currency" in missing.json["error"]["details"]
    assert billing.scalar("SELECT paid FROM orders WHERE id = :o", o=oid) == Decimal("783.49")
    event = [e for e in billing.events("billing.payment.received") if e["aggregate_id"] == early.json["id"]][0]
    assert event["data"]["rate_to_cny"] == "7.100000" and event["data"]["amount_cny"] == "710.00"
    unknown = finance.post("/payments", json={"customer_id": cid, "amount": "1", "currency": fresh_currency(),
                                              "method": "cash"})
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "missing_exchange_rate"


def test_prepayment_then_allocation(billing, finance, rep):
    cid = billing.customer(rep)
    o1 = billing.order(cid, rep, "300.00")
    o2 = billing.order(cid, rep, "1000.00")
    pre = finance.post("/payments", json={"customer_id": cid, "amount": "500.00", "method": "alipay"})
    assert pre.status_code == 201 and pre.json["kind"] == "prepayment" and pre.json["order_id"] is None
    assert billing.events("billing.payment.received", pre.json["id"])[0]["data"]["order_id"] is None
    assert rep.get("/receivables", query_string={"customer_id": cid}).json["items"][0]["credit"] == "500.00"
    assert rep.get("/prepayments", query_string={"customer_id": cid}).json["total"] == 1

    alloc = finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": o1, "amount": "300.00"})
    assert alloc.status_code == 201, alloc.json
    assert alloc.json["amount_cny"] == "300.00" and alloc.json["credit_remaining"] == "200.00"
    assert billing.last_balance(o1)["payment_status"] == "paid"
    event = billing.events("billing.prepayment.allocated", alloc.json["id"])[0]
    assert event["customer_id"] == cid and event["data"]["amount_cny"] == "300.00"

    more = finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": o2, "amount": "200.01"})
    assert more.status_code == 409 and more.json["error"]["code"] == "insufficient_credit"
    full = finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": o1, "amount": "1.00"})
    assert full.status_code == 409 and full.json["error"]["code"] == "payment_exceeds_order"
    assert finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": o2,
                                                       "amount": "200.00"}).status_code == 201
    assert billing.last_balance(o2)["paid_amount"] == "200.00"
    assert billing.last_balance(o2)["payment_status"] == "partially_paid"
    row = rep.get("/receivables", query_string={"customer_id": cid}).json["items"][0]
    assert (row["credit"], row["paid"]) == ("0.00", "500.00")
    assert rep.get("/prepayments/allocations", query_string={"customer_id": cid}).json["total"] == 2


def test_concurrent_allocations_never_overspend_credit(billing, finance, rep):
    cid = billing.customer(rep)
    orders = [billing.order(cid, rep, "100.00") for _ in range(6)]
    finance.post("/payments", json={"customer_id": cid, "amount": "100.00", "method": "cash"})
    results = [None] * len(orders)
    barrier = threading.Barrier(len(orders))

    def work(i, oid):
        client = billing.client_for(finance.user)
        barrier.wait()
        results[i] = client.post("/prepayments/allocate", json={"customer_id": cid, "order_id": oid, "amount": "30.00"})

    threads = [threading.Thread(target=work, args=(i, o)) for i, o in enumerate(orders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 201, 201, 409, 409, 409]
    credit = finance.get("/receivables", query_string={"customer_id": cid}).json["items"][0]["credit"]
    assert credit == "10.00"


def test_payment_errors(billing, finance, rep):
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "100.00")
    other_cid = billing.customer(rep)
    other_rep = billing.user("sales")
    warehouse = billing.user("warehouse")
    base = {"customer_id": cid, "amount": "1.00", "method": "cash"}
    mismatch = finance.post("/payments", json={**base, "customer_id": other_cid, "order_id": oid})
    assert mismatch.status_code == 422 and "customer_id" in mismatch.json["error"]["details"]
    unknown_customer = finance.post("/payments", json={**base, "customer_id": "00000000-0000-4000-8000-000000000001"})
    assert unknown_customer.status_code == 422 and unknown_customer.json["error"]["code"] == "unknown_customer"
    assert other_rep.post("/payments", json=base).status_code == 403  # finance's job
    # with reps recording cash, a customer they do not see is unknown to them
    other_rep_cash = billing.client_for(other_rep.user, reps_record_cash=True)
    invisible = other_rep_cash.post("/payments", json=base)
    assert invisible.status_code == 422 and invisible.json["error"] == unknown_customer.json["error"]
    assert other_rep_cash.post("/payments", json={**base, "order_id": oid}).json["error"]["code"] == "unknown_order"
    assert warehouse.post("/payments", json=base).status_code == 403
    assert billing.client_for(warehouse.user, reps_record_cash=True).post("/payments", json=base).status_code == 403
    for bad in ({"method": "bitcoin"}, {"currency": "US"}, {"amount": "0"}, {"amount": "1.234"},
                {"received_at": "yesterday"}, {"received_at": "2999-01-01T00:00:00Z"}, {"customer_id": None}):
        resp = finance.post("/payments", json={**base, **bad})
        assert resp.status_code == 422, (bad, resp.json)
        assert set(resp.json["error"]["details"]) & {*bad, "_schema"}, (bad, resp.json)
    cancelled = billing.order(cid, rep, "100.00", status="cancelled", event_type="sales.order.cancelled")
    resp = finance.post("/payments", json={**base, "order_id": cancelled})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "order_not_billable"
    assert other_rep.get("/payments", query_string={"customer_id": cid}).json["total"] == 0
    pid = finance.post("/payments", json=base).json["id"]
    assert rep.get(f"/payments/{pid}").status_code == 200
    assert other_rep.get(f"/payments/{pid}").status_code == 404
    assert warehouse.get(f"/payments/{pid}").status_code == 404
    assert finance.get("/payments/xyz").status_code == 404
    assert finance.get("/payments", query_string={"kind": "weird"}).status_code == 422
    # nothing half-written by the refused calls
    assert billing.scalar("SELECT count(*) FROM payments WHERE customer_id = :c", c=cid) == 1


def test_allocation_errors(billing, finance, rep):
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "100.00")
    other = billing.customer(rep)
    assert finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": oid}).status_code == 422
    mismatch = finance.post("/prepayments/allocate", json={"customer_id": other, "order_id": oid, "amount": "1"})
    assert mismatch.status_code == 422 and mismatch.json["error"]["code"] == "customer_mismatch"
    none = finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": oid, "amount": "1"})
    assert none.status_code == 409 and none.json["error"]["details"]["credit"] == "0.00"
    assert billing.user("warehouse").post("/prepayments/allocate",
                                          json={"customer_id": cid, "order_id": oid, "amount": "1"}).status_code == 403


def test_exchange_rate_rules(billing, finance, rep, admin):
    cur = fresh_currency()
    body = {"currency": cur, "rate_to_cny": "0.048123", "date": "2026-11-01"}
    assert rep.post("/exchange-rates", json=body).status_code == 403
    created = admin.post("/exchange-rates", json=body)
    assert created.status_code == 201 and created.json["rate_to_cny"] == "0.048123"
    dup = finance.post("/exchange-rates", json=body)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "duplicate_exchange_rate"
    for bad in ({"currency": "CNY"}, {"currency": "EURO"}, {"rate_to_cny": "0"}, {"rate_to_cny": "1.1234567"},
                {"date": "2026-13-01"}):
        resp = finance.post("/exchange-rates", json={**body, **bad})
        assert resp.status_code == 422, (bad, resp.json)
    listed = rep.get("/exchange-rates", query_string={"currency": cur}).json
    assert listed["total"] == 1 and listed["items"][0]["date"] == "2026-11-01"
    assert billing.events("billing.exchange_rate.recorded", f"{cur}:2026-11-01")[0]["data"]["rate_to_cny"] == "0.048123"


def test_the_conversion_preview_answers_what_recording_the_payment_would(billing, finance, rep):
    cur = fresh_currency()
    for day, rate in (("2026-11-01", "7.1"), ("2026-11-20", "7.2345")):
        assert finance.post("/exchange-rates", json={"currency": cur, "rate_to_cny": rate, "date": day}).status_code == 201

    def preview(amount, day):
        return rep.get("/exchange-rates/convert", query_string={"currency": cur.lower(), "amount": amount, "date": day})

    answer = preview("10.01", "2026-11-25")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"currency": cur, "amount": "10.01", "date": "2026-11-25", "rate_date": "2026-11-20",
                           "rate_to_cny": "7.234500", "amount_cny": "72.42"}
    assert preview("0.15", "2026-11-19").json["amount_cny"] == "1.07"  # half-up, as recorded
    missing = preview("1.00", "2026-10-31")
    assert missing.status_code == 422 and missing.json["error"]["code"] == "missing_exchange_rate"
    cny = rep.get("/exchange-rates/convert", query_string={"currency": "CNY", "amount": "12.345"})
    assert cny.status_code == 422 and "amount" in cny.json["error"]["details"]  # more than two decimals
    for bad in ({"currency": "us", "amount": "1"}, {"currency": "USD"}, {"currency": "USD", "amount": "1", "date": "x"}):
        answer = rep.get("/exchange-rates/convert", query_string=bad)
        assert answer.status_code == 422, bad
