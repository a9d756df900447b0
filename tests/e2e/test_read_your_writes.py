"""Read-your-writes through the gateway (issue 12.1): a customer, then in the very next
calls a quote, an order, an opportunity, an invoice and a payment for it, round after round
(CRM_E2E_RYW_ROUNDS, default 40: 200 dependent calls; bench/read_your_writes.py runs 1,000 and prints figures),
with no failure; and an id that never exists answers 422 within the bound (CRM_COPY_WAIT_S,
3 s by default), not later."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.testing import read_your_writes as ryw

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def actors(admin) -> ryw.Actors:
    return ryw.prepare(admin)


def test_dependent_calls_right_after_creating_the_customer_never_fail(actors):
    rounds = int(os.environ.get("CRM_E2E_RYW_ROUNDS", "40"))
    results = ryw.run(actors, rounds)
    assert results.failures == [], results.failures[:10]
    assert results.rounds == rounds
    for step in ryw.STEPS:
        assert results.figures(step)["n"] == rounds, step


def test_an_id_that_never_exists_is_422_within_the_bound(actors):
    bound = float(os.environ.get("CRM_COPY_WAIT_S", "3"))
    valid_until = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    calls = [
        (actors.rep, "/quotes", {"customer_id": str(uuid.uuid4()), "valid_until": valid_until,
                                 "lines": [{"product_id": actors.product_id, "quantity": 1, "unit_price": "1.00",
                                            "tax_rate": 13}]}, "customer_id"),
        (actors.finance, "/invoices", {"order_id": str(uuid.uuid4()), "amount": "1.00"}, "order_id"),
    ]
    for client, path, body, field in calls:
        started = time.monotonic()
        r = client.post(path, json=body)
        elapsed = time.monotonic() - started
        assert r.status_code == 422, r.text
        assert field in r.json()["error"]["details"]
        assert bound <= elapsed < bound + 2.0, (path, elapsed)
