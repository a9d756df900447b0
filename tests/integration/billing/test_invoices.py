"""Invoices: the order's gross as the limit, continuous numbers, void, lists, errors."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def rep(billing):
    return billing.user("sales")


def test_invoices_up_to_the_gross_then_409_and_void_frees_room(billing, finance, rep):
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "305.10")
    first = finance.post("/invoices", json={"order_id": oid, "amount": "200.00"})
    assert first.status_code == 201, first.json
    inv = first.json
    assert inv["status"] == "issued" and inv["amount"] == "200.00" and inv["customer_id"] == cid
    assert inv["number"].startswith("FP-")
    over = finance.post("/invoices", json={"order_id": oid, "amount": "105.11"})
    assert over.status_code == 409 and over.json["error"]["code"] == "invoice_exceeds_order"
    assert over.json["error"]["details"]["available"] == "105.10"
    assert finance.post("/invoices", json={"order_id": oid, "amount": 105.1}).status_code == 201
    assert finance.post("/invoices", json={"order_id": oid, "amount": "0.01"}).status_code == 409

    void = finance.post(f"/invoices/{inv['id']}/void", json={"reason": "开错抬头"})
    assert void.status_code == 200
    assert void.json["status"] == "void" and void.json["void_reason"] == "开错抬头"
    assert void.json["number"] == inv["number"]  # a voided invoice keeps its number
    again = finance.post(f"/invoices/{inv['id']}/void", json={"reason": "x"})
    assert again.status_code == 409 and again.json["error"]["code"] == "invoice_already_void"
    assert finance.post("/invoices", json={"order_id": oid, "amount": "200.00"}).status_code == 201

    issued = billing.events("billing.invoice.issued")
    mine = [e for e in issued if e["data"]["order_id"] == oid]
    assert len(mine) == 3 and all(e["customer_id"] == cid for e in mine)
    voided = billing.events("billing.invoice.voided", inv["id"])
    assert voided[0]["data"]["void_reason"] == "开错抬头" and voided[0]["customer_id"] == cid
    balance = billing.last_balance(oid)
    assert balance["invoiced_amount"] == "305.10" and balance["payment_status"] == "unpaid"
    listed = finance.get("/invoices", query_string={"order_id": oid}).json
    assert listed["total"] == 3
    assert Counter(i["status"] for i in listed["items"]) == {"issued": 2, "void": 1}


def _issue_concurrently(billing, finance, jobs):
    """jobs: [(order_id, amount)], all issued at once in 2019 (a year only this test uses)."""
    results = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def work(i, order_id, amount):
        client = billing.client_for(finance.user)
        barrier.wait()
        results[i] = client.post("/invoices", json={"order_id": order_id, "amount": amount,
                                                    "issued_at": "2019-06-01T10:00:00+08:00"})

    threads = [threading.Thread(target=work, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_issuing_never_passes_the_limit_and_numbers_have_no_gaps(billing, finance, rep):
    cid = billing.customer(rep)
    big = billing.order(cid, rep, "1000.00")
    small = billing.order(cid, rep, "250.00")
    jobs = [(big, "100.00")] * 12 + [(small, "100.00")] * 4
    results = _issue_concurrently(billing, finance, jobs)
    statuses = Counter((job[0], r.status_code) for job, r in zip(jobs, results, strict=True))
    assert statuses == {(big, 201): 10, (big, 409): 2, (small, 201): 2, (small, 409): 2}
    assert all(r.json["error"]["code"] == "invoice_exceeds_order" for r in results if r.status_code == 409)
    numbers = sorted(r.json["number"] for r in results if r.status_code == 201)
    assert numbers == [f"FP-2019-{n:06d}" for n in range(1, 13)]  # 12 issued, 1..12, no gap
    assert billing.scalar("SELECT sum(amount) FROM invoices WHERE order_id = :o", o=big) == Decimal("1000.00")
    assert billing.scalar("SELECT invoiced FROM orders WHERE id = :o", o=big) == Decimal("1000.00")
    assert billing.scalar("SELECT last_seq FROM invoice_counters WHERE year = 2019") == 12


def test_requested_number_must_be_next_and_a_refusal_leaves_no_gap(billing, finance, rep):
    cid = billing.customer(rep)
    oid = billing.order(cid, rep, "500.00")
    base = {"order_id": oid, "amount": "10.00", "issued_at": "2018-03-01T00:00:00+00:00"}
    wrong = finance.post("/invoices", json={**base, "number": "FP-2018-000005"})
    assert wrong.status_code == 409 and wrong.json["error"]["code"] == "invoice_number_out_of_sequence"
    expected = wrong.json["error"]["details"]["expected"]
    assert finance.post("/invoices", json={**base, "amount": "999.00"}).status_code == 409
    ok = finance.post("/invoices", json={**base, "number": expected})
    assert ok.status_code == 201 and ok.json["number"] == expected == "FP-2018-000001"
    assert finance.post("/invoices", json=base).json["number"] == "FP-2018-000002"


def test_unknown_invisible_and_cancelled_orders(billing, finance, rep):
    other_rep = billing.user("sales")
    theirs = billing.order(billing.customer(other_rep), other_rep, "100.00")
    unknown = finance.post("/invoices", json={"order_id": "00000000-0000-4000-8000-000000000000", "amount": "1.00"})
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "unknown_order"
    cid = billing.customer(rep)
    cancelled = billing.order(cid, rep, "100.00", status="cancelled", event_type="sales.order.cancelled")
    resp = finance.post("/invoices", json={"order_id": cancelled, "amount": "1.00"})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "order_not_billable"
    # issuing invoices is finance's: a rep is refused alike on an unknown order, another
    # rep's order and their own customer's (403 before any look-up, so nothing leaks)
    mine = billing.order(cid, rep, "100.00")
    for order_id in ("00000000-0000-4000-8000-000000000000", theirs, mine):
        refused = rep.post("/invoices", json={"order_id": order_id, "amount": "1.00"})
        assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert billing.scalar("SELECT count(*) FROM invoices WHERE order_id = :o", o=mine) == 0


def test_visibility_of_invoices_per_role(billing, finance, rep):
    manager = billing.user("manager")
    team_rep = billing.user("sales", manager_id=manager.user["id"])
    other = billing.user("sales")
    warehouse = billing.user("warehouse")
    cid = billing.customer(team_rep)
    oid = billing.order(cid, team_rep, "100.00")
    inv = finance.post("/invoices", json={"order_id": oid, "amount": "50.00"}).json
    assert team_rep.get(f"/invoices/{inv['id']}").status_code == 200
    assert manager.get(f"/invoices/{inv['id']}").status_code == 200
    for outsider in (other, warehouse):
        assert outsider.get(f"/invoices/{inv['id']}").status_code == 404
        assert outsider.get("/invoices", query_string={"customer_id": cid}).json["total"] == 0
        assert outsider.post(f"/invoices/{inv['id']}/void", json={"reason": "x"}).status_code == 404
    assert team_rep.get("/invoices", query_string={"customer_id": cid}).json["total"] == 1
    assert manager.get("/invoices", query_string={"order_id": oid}).json["total"] == 1
    # a rep who sees the invoice still may not void it: finance's job
    assert team_rep.post(f"/invoices/{inv['id']}/void", json={"reason": "x"}).status_code == 403
    assert warehouse.post("/invoices", json={"order_id": oid, "amount": "1.00"}).status_code == 403
    # shared customers are visible to the one they were shared with
    shared_cid = billing.customer(other, shared_with=[rep.user["id"]])
    shared_order = billing.order(shared_cid, other, "10.00")
    finance.post("/invoices", json={"order_id": shared_order, "amount": "10.00"})
    assert rep.get("/invoices", query_string={"customer_id": shared_cid}).json["total"] == 1


@pytest.mark.parametrize("body,field", [
    ({"amount": "1.00"}, "order_id"),
    ({"order_id": "nope", "amount": "1.00"}, "order_id"),
    ({"order_id": "00000000-0000-4000-8000-000000000000"}, "amount"),
    ({"order_id": "00000000-0000-4000-8000-000000000000", "amount": "-1.00"}, "amount"),
    ({"order_id": "00000000-0000-4000-8000-000000000000", "amount": "1.001"}, "amount"),
    ({"order_id": "00000000-0000-4000-8000-000000000000", "amount": "abc"}, "amount"),
    ({"order_id": "00000000-0000-4000-8000-000000000000", "amount": True}, "amount"),
    ({"order_id": "00000000-0000-4000-8000-000000000000", "amount": "1", "issued_at": "2999-01-01T00:00:00Z"},
     "issued_at"),
])
def test_invoice_validation_422(finance, body, field):
    resp = finance.post("/invoices", json=body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["details"]


def test_malformed_json_paths_and_filters(billing, finance):
    resp = finance.post("/invoices", data="{not json", content_type="application/json")
    assert resp.status_code == 400 and resp.json["error"]["code"] == "malformed_json"
    assert finance.get("/invoices/not-a-uuid").status_code == 404
    assert finance.get("/invoices/00000000-0000-4000-8000-000000000000").status_code == 404
    assert finance.post("/invoices/00000000-0000-4000-8000-000000000000/void",
                        json={"reason": "x"}).status_code == 404
    assert finance.get("/invoices", query_string={"order_id": "x"}).status_code == 422
    assert finance.get("/invoices", query_string={"per_page": 500}).status_code == 422
    assert finance.get("/invoices", query_string={"status": "draft"}).status_code == 422
    rep = billing.user("sales")
    oid = billing.order(billing.customer(rep), rep, "10.00")
    inv = finance.post("/invoices", json={"order_id": oid, "amount": "10.00"}).json
    no_reason = finance.post(f"/invoices/{inv['id']}/void", json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["details"]
    assert finance.get(f"/invoices/{inv['id']}").json["status"] == "issued"
    no_identity = billing.app.test_client().get("/invoices")
    assert no_identity.status_code == 401
