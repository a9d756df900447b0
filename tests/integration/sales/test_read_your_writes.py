"""Read-your-writes in sales: a quote, an order or an opportunity that names a customer,
a product or a user whose copy has not arrived yet waits for it (shared.copies) instead of
answering 422, and answers as soon as the consumer has applied it; an id that never comes
is still 422, within the bound; the wait holds no transaction open."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from shared import copies
from shared.db import make_engine
from shared.events import customer as customer_events
from shared.testing.fixtures import eventually
from shared.testing.timing import Timed, later

pytestmark = pytest.mark.integration

DELAY = 0.4  # the copy arrives this long after the request started


def customer_arrives(world, cid: str, owner_id: str) -> None:
    world.feed("customer.customer.created",
               dict(customer_events._CUSTOMER_SAMPLE, id=cid, owner_id=owner_id, shared_with=[], name="新客户"),
               aggregate_type="customer", seq=1)


def user_arrives(world, user: dict) -> None:
    world.feed("gateway.user.created", user, aggregate_type="user", seq=1)


def quote_body(customer_id: str, product_id: str) -> dict:
    return {"customer_id": customer_id, "valid_until": "2999-12-31",
            "lines": [{"product_id": product_id, "quantity": 1, "unit_price": "10.00", "tax_rate": 13}]}


def test_a_quote_and_an_order_for_a_customer_whose_copy_is_on_its_way(world):
    rep = world.client("rep1")
    pid = world.product()
    for path, body in (("/quotes", lambda c: quote_body(c, pid)),
                       ("/orders", lambda c: {"customer_id": c, "lines": [{"product_id": pid, "quantity": 1}]})):
        cid = str(uuid.uuid4())
        call = Timed(lambda path=path, body=body, cid=cid: rep.post(path, json=body(cid)))
        feeder = later(DELAY, lambda cid=cid: customer_arrives(world, cid, rep.user["id"]))
        r = call.join()
        feeder.join()
        assert r.status_code == 201, (path, r.get_json())
        assert r.get_json()["customer_id"] == cid
        assert DELAY <= call.elapsed < DELAY + 1.5, (path, call.elapsed)


def test_an_order_for_a_product_whose_copy_is_on_its_way(world):
    rep = world.client("rep1")
    pid = str(uuid.uuid4())
    call = Timed(lambda: rep.post("/orders", json={"customer_id": world.customers["rep1"],
                                                    "lines": [{"product_id": pid, "quantity": 2}]}))
    feeder = later(DELAY, lambda: world.product("新产品", "88.00", product_id=pid))
    r = call.join()
    feeder.join()
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["lines"][0]["unit_price"] == "88.00"
    assert DELAY <= call.elapsed < DELAY + 1.5


def test_an_opportunity_owned_by_a_user_whose_copy_is_on_its_way(world):
    from shared.testing.clients import new_user

    manager = world.client("manager")
    newcomer = new_user("sales", manager_id=manager.user["id"])
    call = Timed(lambda: manager.post("/opportunities", json={
        "customer_id": world.customers["rep1"], "name": "新同事的商机", "amount": "1000.00",
        "stage": "prospecting", "owner_id": newcomer["id"]}))
    feeder = later(DELAY, lambda: user_arrives(world, newcomer))
    r = call.join()
    feeder.join()
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["owner_id"] == newcomer["id"]


def test_the_wait_holds_no_transaction_open(world):
    """While a request waits for a copy, the sales database has no session idle in a
    transaction (the view's transaction was rolled back before waiting)."""
    rep = world.client("rep1")
    pid = world.product()
    cid = str(uuid.uuid4())
    call = Timed(lambda: rep.post("/quotes", json=quote_body(cid, pid)))
    eventually(lambda: copies.listener_for(world.engine, world.settings.direct_database_url).waiting() >= 1,
               timeout=2.5, interval=0.02)  # the request waits for the copy
    probe = make_engine(world.settings.database_url, pool_size=1)
    try:
        with probe.connect() as conn:
            in_tx = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")).scalar_one()
    finally:
        probe.dispose()
    customer_arrives(world, cid, rep.user["id"])
    assert call.join().status_code == 201
    assert in_tx == 0


def test_ids_that_never_come_are_422_within_the_bound(world, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "1")
    rep = world.client("rep1")
    pid = world.product()
    cases = [
        ("/quotes", quote_body(str(uuid.uuid4()), pid), "customer_id"),
        ("/orders", {"customer_id": world.customers["rep1"],
                     "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]}, "lines"),
        ("/opportunities", {"customer_id": str(uuid.uuid4()), "name": "x", "amount": "1.00",
                            "stage": "prospecting"}, "customer_id"),
    ]
    for path, body, field in cases:
        started = time.monotonic()
        r = rep.post(path, json=body)
        elapsed = time.monotonic() - started
        assert r.status_code == 422, (path, r.get_json())
        assert field in r.get_json()["error"]["details"]
        assert 1.0 <= elapsed < 2.0, (path, elapsed)


def test_a_customer_that_is_there_but_not_visible_answers_at_once(world):
    """Waiting is only for an absent copy: another rep's customer is refused without delay."""
    rep = world.client("rep1")
    pid = world.product()
    started = time.monotonic()
    r = rep.post("/quotes", json=quote_body(world.customers["rep2"], pid))
    assert r.status_code == 422
    assert time.monotonic() - started < 0.8
