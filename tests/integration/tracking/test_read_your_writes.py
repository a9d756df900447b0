"""Read-your-writes in tracking: the timeline of a customer created a moment ago (whose
copy has not reached tracking yet) waits for it (shared.copies) instead of answering 404;
a customer that never comes is still 404, within the bound."""

from __future__ import annotations

import time

import pytest

from shared.testing.clients import new_user, seed_users
from shared.testing.timing import Timed, later
from tests.integration.tracking.events import envelope, payload, uid

pytestmark = pytest.mark.integration

DELAY = 0.4


def test_the_timeline_of_a_customer_whose_copy_is_on_its_way(engine, apply, as_user):
    rep = new_user("sales")
    seed_users(engine, rep)
    cid = uid()
    created = envelope("customer.customer.created", payload("customer.customer.created", id=cid, owner_id=rep["id"]),
                       aggregate_type="customer", aggregate_id=cid, seq=1, at="2026-11-24T08:00:00+00:00",
                       customer_id=cid, actor_id=rep["id"])
    client = as_user(rep)
    call = Timed(lambda: client.get(f"/timeline?customer_id={cid}"))
    feeder = later(DELAY, lambda: apply([created]))
    r = call.join()
    feeder.join()
    assert r.status_code == 200, r.get_json()
    assert [e["type"] for e in r.get_json()["items"]] == ["customer.customer.created"]
    assert DELAY <= call.elapsed < DELAY + 1.5


def test_a_customer_that_never_comes_is_404_within_the_bound(engine, as_user, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "1")
    rep = new_user("sales")
    seed_users(engine, rep)
    started = time.monotonic()
    r = as_user(rep).get(f"/timeline?customer_id={uid()}")
    elapsed = time.monotonic() - started
    assert r.status_code == 404
    assert 1.0 <= elapsed < 2.0, elapsed
