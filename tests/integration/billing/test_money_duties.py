"""Duties that hold (issue 11.3): issuing invoices and recording payments are finance's.
The attack: a sales rep issues the invoice and records a fictitious cash payment on their
own order, which becomes paid. With BILLING_REPS_RECORD_CASH on, a rep's cash payment is
stored unconfirmed and counts nowhere until finance confirms it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def team(billing):
    manager = billing.user("manager")
    rep = billing.user("sales", manager_id=manager.user["id"])
    return manager, rep


def balances(billing, order_id: str) -> list[dict]:
    return [e["data"] for e in billing.events("billing.order_balance.changed", order_id)]


def receivable(client, customer_id: str) -> dict:
    items = client.get("/receivables", query_string={"customer_id": customer_id}).json["items"]
    return items[0] if items else {}


def test_a_rep_can_neither_invoice_nor_mark_their_own_order_paid(billing, team):
    manager, rep = team
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "500.00")
    for who in (rep, manager):
        invoice = who.post("/invoices", json={"order_id": oid, "amount": "500.00"})
        assert invoice.status_code == 403 and invoice.json["error"]["code"] == "forbidden"
        for method in ("cash", "bank_transfer"):
            pay = who.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "500.00", "method": method})
            assert pay.status_code == 403 and pay.json["error"]["code"] == "forbidden"
        prepay = who.post("/payments", json={"customer_id": cid, "amount": "500.00", "method": "cash"})
        assert prepay.status_code == 403
        alloc = who.post("/prepayments/allocate", json={"customer_id": cid, "order_id": oid, "amount": "1.00"})
        assert alloc.status_code == 403
    assert balances(billing, oid) == []
    assert billing.scalar("SELECT paid FROM orders WHERE id = :o", o=oid) == 0
    assert billing.scalar("SELECT count(*) FROM payments WHERE customer_id = :c", c=cid) == 0
    assert billing.scalar("SELECT count(*) FROM invoices WHERE customer_id = :c", c=cid) == 0


def test_a_reps_cash_payment_is_unconfirmed_and_counts_nowhere_until_finance_confirms(billing, finance, team):
    manager, rep = team
    rep_cash = billing.client_for(rep.user, reps_record_cash=True)
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "500.00")
    # the setting is about cash only, and never about invoices
    assert rep_cash.post("/invoices", json={"order_id": oid, "amount": "500.00"}).status_code == 403
    wire = rep_cash.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "500.00",
                                            "method": "bank_transfer"})
    assert wire.status_code == 403 and "method" in wire.json["error"]["details"]
    r = rep_cash.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "500.00", "method": "cash"})
    assert r.status_code == 201, r.json
    pay = r.json
    assert pay["status"] == "unconfirmed" and pay["recorded_by"] == rep.user["id"] and pay["decided_by"] is None
    # counted nowhere: no balance change, no receipt event, nothing paid in receivables
    assert balances(billing, oid) == []
    assert billing.events("billing.payment.received", pay["id"]) == []
    recorded = billing.events("billing.payment.recorded", pay["id"])
    assert len(recorded) == 1 and recorded[0]["data"]["status"] == "unconfirmed"
    assert billing.scalar("SELECT paid FROM orders WHERE id = :o", o=oid) == 0
    assert receivable(finance, cid).get("paid", "0.00") == "0.00"
    # listed for finance to confirm; the rep sees it as theirs
    queue = finance.get("/payments", query_string={"status": "unconfirmed", "customer_id": cid}).json
    assert [i["id"] for i in queue["items"]] == [pay["id"]]
    assert rep.get(f"/payments/{pay['id']}").json["status"] == "unconfirmed"
    assert finance.get("/payments", query_string={"status": "pending"}).status_code == 422
    # only finance confirms: not the rep, not their manager (even with the setting on)
    for who in (rep, rep_cash, manager, billing.client_for(manager.user, reps_record_cash=True)):
        assert who.post(f"/payments/{pay['id']}/confirm").status_code == 403
    outsider = billing.user("sales")
    assert outsider.post(f"/payments/{pay['id']}/confirm").status_code == 404
    ok = finance.post(f"/payments/{pay['id']}/confirm", json={"reason": "现金已入账"})
    assert ok.status_code == 200, ok.json
    assert ok.json["status"] == "confirmed" and ok.json["decided_by"] == finance.user["id"]
    assert balances(billing, oid)[-1]["payment_status"] == "paid"
    received = billing.events("billing.payment.received", pay["id"])
    assert len(received) == 1 and received[0]["data"]["status"] == "confirmed"
    assert received[0]["actor_id"] == finance.user["id"]
    assert receivable(finance, cid)["paid"] == "500.00"
    again = finance.post(f"/payments/{pay['id']}/confirm")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_payment_state"
    assert len(billing.events("billing.payment.received", pay["id"])) == 1


def test_finance_rejects_a_fictitious_cash_payment(billing, finance, team):
    _, rep = team
    rep_cash = billing.client_for(rep.user, reps_record_cash=True)
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "300.00")
    pay = rep_cash.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "300.00",
                                           "method": "cash"}).json
    assert rep.post(f"/payments/{pay['id']}/reject", json={"reason": "x"}).status_code == 403
    r = finance.post(f"/payments/{pay['id']}/reject", json={"reason": "未见现金入账"})
    assert r.status_code == 200 and r.json["status"] == "rejected" and r.json["decision_note"] == "未见现金入账"
    assert billing.events("billing.payment.rejected", pay["id"])[0]["data"]["decision_note"] == "未见现金入账"
    assert finance.post(f"/payments/{pay['id']}/confirm").status_code == 409
    assert finance.post(f"/payments/{pay['id']}/reject").status_code == 409
    assert balances(billing, oid) == [] and billing.events("billing.payment.received", pay["id"]) == []
    assert billing.scalar("SELECT paid FROM orders WHERE id = :o", o=oid) == 0


def test_a_confirmation_that_no_longer_fits_the_order_is_refused(billing, finance, team):
    _, rep = team
    rep_cash = billing.client_for(rep.user, reps_record_cash=True)
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "100.00")
    pay = rep_cash.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "60.00",
                                           "method": "cash"}).json
    assert finance.post("/payments", json={"customer_id": cid, "order_id": oid, "amount": "100.00",
                                           "method": "bank_transfer"}).status_code == 201
    late = finance.post(f"/payments/{pay['id']}/confirm")
    assert late.status_code == 409 and late.json["error"]["code"] == "payment_exceeds_order"
    assert finance.get(f"/payments/{pay['id']}").json["status"] == "unconfirmed"
    assert billing.scalar("SELECT paid FROM orders WHERE id = :o", o=oid) == 100


def test_an_unconfirmed_cash_prepayment_gives_no_credit_until_confirmed(billing, finance, team):
    _, rep = team
    rep_cash = billing.client_for(rep.user, reps_record_cash=True)
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "200.00")
    pre = rep_cash.post("/payments", json={"customer_id": cid, "amount": "200.00", "method": "cash"}).json
    assert pre["status"] == "unconfirmed" and pre["kind"] == "prepayment"
    assert receivable(finance, cid).get("credit", "0.00") == "0.00"
    none = finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": oid, "amount": "1.00"})
    assert none.status_code == 409 and none.json["error"]["code"] == "insufficient_credit"
    assert finance.post(f"/payments/{pre['id']}/confirm").status_code == 200
    assert receivable(finance, cid)["credit"] == "200.00"
    assert finance.post("/prepayments/allocate", json={"customer_id": cid, "order_id": oid,
                                                       "amount": "200.00"}).status_code == 201
    assert balances(billing, oid)[-1]["payment_status"] == "paid"
