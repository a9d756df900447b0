"""Free invoice numbers against real PostgreSQL (issue 16): the real 发票 number given by
hand beside the automatic sequence; unique in the company (void ones too), 409 with a clear
error on reuse, also when two requests race for it; the sequence is not consumed by them."""

from __future__ import annotations

import threading
import uuid

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def rep(billing):
    return billing.user("sales")


def test_a_real_fapiao_number_beside_the_sequence(billing, finance, rep):
    oid = billing.order(billing.customer(rep), rep, "1000.00")
    base = {"order_id": oid, "amount": "10.00", "issued_at": "2017-05-01T00:00:00+00:00"}  # a year only this test uses
    auto = finance.post("/invoices", json=base)
    assert auto.status_code == 201 and auto.json["number"] == "FP-2017-000001"
    assert auto.json["number_source"] == "sequence"
    real = f"{uuid.uuid4().int % 10**20:020d}"
    r = finance.post("/invoices", json={**base, "number": f" {real[:10]} {real[10:]} "})
    assert r.status_code == 201, r.json
    assert (r.json["number"], r.json["number_source"]) == (real, "manual")
    # the sequence goes on where it was: a manual number takes no place in it
    assert finance.post("/invoices", json=base).json["number"] == "FP-2017-000002"
    ev = [e for e in billing.events("billing.invoice.issued") if e["data"]["id"] == r.json["id"]]
    assert ev[0]["data"]["number"] == real
    listed = finance.get("/invoices", query_string={"order_id": oid}).json["items"]
    assert {i["number"] for i in listed} == {"FP-2017-000001", "FP-2017-000002", real}

    again = finance.post("/invoices", json={**base, "number": real})
    assert again.status_code == 409
    err = again.json["error"]
    assert err["code"] == "duplicate_invoice_number" and real in err["message"]
    assert err["details"]["existing_id"] == r.json["id"] and err["details"]["number"]
    # void keeps the number used
    assert finance.post(f"/invoices/{r.json['id']}/void", json={"reason": "作废"}).status_code == 200
    again = finance.post("/invoices", json={**base, "number": real})
    assert again.status_code == 409 and again.json["error"]["details"]["existing_status"] == "void"
    # another order, same number: still the company's one use
    other = billing.order(billing.customer(rep), rep, "50.00")
    assert finance.post("/invoices", json={"order_id": other, "amount": "1.00", "number": real}).status_code == 409
    bad = finance.post("/invoices", json={**base, "number": "发票一号"})
    assert bad.status_code == 422 and "number" in bad.json["error"]["details"]
    # the sequence's own form still must be the next one
    wrong = finance.post("/invoices", json={**base, "number": "FP-2017-000009"})
    assert wrong.status_code == 409 and wrong.json["error"]["code"] == "invoice_number_out_of_sequence"
    assert rep.post("/invoices", json={**base, "number": "12345678"}).status_code in (403, 404)


def test_two_requests_racing_for_one_number(billing, finance, rep):
    oids = [billing.order(billing.customer(rep), rep, "100.00") for _ in range(6)]
    number = f"RACE-{uuid.uuid4().hex[:10].upper()}"
    barrier = threading.Barrier(len(oids))
    results = [None] * len(oids)

    def work(i, oid):
        client = billing.client_for(finance.user)
        barrier.wait()
        results[i] = client.post("/invoices", json={"order_id": oid, "amount": "5.00", "number": number})
    threads = [threading.Thread(target=work, args=(i, o)) for i, o in enumerate(oids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [201] + [409] * 5, [r.json for r in results]
    assert all(r.json["error"]["code"] == "duplicate_invoice_number" for r in results if r.status_code == 409)
    assert billing.scalar("SELECT count(*) FROM invoices WHERE number = :n", n=number) == 1
