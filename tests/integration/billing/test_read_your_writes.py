"""Read-your-writes in billing: an invoice for an order, or a payment for a customer, that
billing's copies do not have yet waits for the copy (shared.copies) and succeeds as soon
as the consumer has applied it; an id that never comes is still 422 within the bound."""

from __future__ import annotations

import time
import uuid

import pytest

from shared.envelope import Envelope
from shared.events import customer as customer_events
from shared.testing.timing import Timed, later

pytestmark = pytest.mark.integration

DELAY = 0.4


def customer_envelope(cid: str, owner_id: str) -> Envelope:
    data = dict(customer_events._CUSTOMER_SAMPLE, id=cid, owner_id=owner_id, shared_with=[])
    return Envelope(event_type="customer.customer.created", aggregate_type="customer", aggregate_id=cid,
                    aggregate_seq=1, data=data, producer="customer", region="cn-east", customer_id=cid)


def test_an_invoice_for_an_order_whose_copy_is_on_its_way(billing, finance):
    rep = billing.user("sales")
    cid = billing.customer(rep)
    envelope = billing.order_envelope(cid, rep.user["id"], "305.10", status="pending",
                                      event_type="sales.order.created")
    call = Timed(lambda: finance.post("/invoices", json={"order_id": envelope.aggregate_id, "amount": "100.00"}))
    feeder = later(DELAY, lambda: billing.feed(envelope))
    r = call.join()
    feeder.join()
    assert r.status_code == 201, r.json
    assert r.json["order_id"] == envelope.aggregate_id and r.json["customer_id"] == cid
    assert DELAY <= call.elapsed < DELAY + 1.5, call.elapsed


def test_a_payment_for_a_customer_whose_copy_is_on_its_way(billing, finance):
    rep = billing.user("sales")
    cid = str(uuid.uuid4())
    call = Timed(lambda: finance.post("/payments", json={"customer_id": cid, "amount": "50.00",
                                                         "method": "bank_transfer"}))
    feeder = later(DELAY, lambda: billing.feed(customer_envelope(cid, rep.user["id"])))
    r = call.join()
    feeder.join()
    assert r.status_code == 201, r.json
    assert r.json["customer_id"] == cid and r.json["kind"] == "prepayment"
    assert DELAY <= call.elapsed < DELAY + 1.5, call.elapsed


def test_ids_that_never_come_are_422_within_the_bound(billing, finance, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "1")
    for path, body, code in (
        ("/invoices", {"order_id": str(uuid.uuid4()), "amount": "1.00"}, "unknown_order"),
        ("/payments", {"customer_id": str(uuid.uuid4()), "amount": "1.00", "method": "bank_transfer"},
         "unknown_customer"),
    ):
        started = time.monotonic()
        r = finance.post(path, json=body)
        elapsed = time.monotonic() - started
        assert r.status_code == 422 and r.json["error"]["code"] == code, r.json
        assert 1.0 <= elapsed < 2.0, (path, elapsed)
