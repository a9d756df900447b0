"""Read-your-writes in inventory: a loan to a customer created a moment ago (whose copy has
not reached inventory yet) waits for it (shared.copies) instead of answering 422."""

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


def test_a_loan_to_a_customer_whose_copy_is_on_its_way(world, keeper):
    wid, pid = world.warehouse(), world.product()
    world.receive(wid, {pid: 5})
    cid = str(uuid.uuid4())
    body = {"customer_id": cid, "warehouse_id": wid, "kind": "sample", "lines": [{"product_id": pid, "quantity": 1}]}
    call = Timed(lambda: keeper.post("/loans", json=body))
    feeder = later(DELAY, lambda: world.run(customer_envelope(cid, str(uuid.uuid4()))))
    r = call.join()
    feeder.join()
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["customer_id"] == cid
    assert DELAY <= call.elapsed < DELAY + 1.5


def test_a_customer_that_never_comes_is_422_within_the_bound(world, keeper, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "1")
    wid, pid = world.warehouse(), world.product()
    started = time.monotonic()
    r = keeper.post("/loans", json={"customer_id": str(uuid.uuid4()), "warehouse_id": wid,
                                    "lines": [{"product_id": pid, "quantity": 1}]})
    elapsed = time.monotonic() - started
    assert r.status_code == 422 and "customer_id" in r.get_json()["error"]["details"]
    assert 1.0 <= elapsed < 2.0, elapsed
