"""shared.copies against a real PostgreSQL: the listener wakes a waiting request when the
copy's NOTIFY arrives (at the writer's commit), an absent row answers within the bound,
and a waiting request holds neither a pool connection nor a transaction."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from shared import copies
from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events import customer as customer_events
from shared.outbox import Outbox
from shared.testing.fixtures import eventually
from shared.visibility import visibility_handlers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(service_settings):
    e = make_engine(service_settings("tracking").database_url)
    yield e
    e.dispose()


def customer_event(cid: str, owner: str, seq: int = 1) -> Envelope:
    data = dict(customer_events._CUSTOMER_SAMPLE, id=cid, owner_id=owner, shared_with=[])
    return Envelope(event_type="customer.customer.created", aggregate_type="customer", aggregate_id=cid,
                    aggregate_seq=seq, data=data, producer="customer", region="cn-east", customer_id=cid)


def apply_later(engine, delay: float, *events: Envelope) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        run_handlers_directly(engine, visibility_handlers(), Outbox("tracking", "cn-east"), list(events))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def wait_listening(engine) -> copies.CopyListener:
    listener = copies.listener_for(engine)
    listener.unregister("warm-up", listener.register("warm-up"))  # starts the thread
    assert listener.listening.wait(10), "the copy listener did not connect"
    return listener


def test_the_notification_wakes_the_waiter_not_the_poll(engine, monkeypatch):
    """With the periodic re-check set to 30 s, only the consumer's NOTIFY (sent in the
    projection's statement, delivered at commit) can end the wait early."""
    monkeypatch.setattr(copies, "POLL_S", 30.0)
    wait_listening(engine)
    cid = str(uuid.uuid4())
    feeder = apply_later(engine, 0.3, customer_event(cid, str(uuid.uuid4())))
    started = time.monotonic()
    assert copies.await_copy(engine, "acl_customers", cid, 10.0) is True
    elapsed = time.monotonic() - started
    feeder.join()
    assert 0.25 <= elapsed < 2.0, elapsed


def test_the_user_copy_notifies_too(engine, monkeypatch):
    monkeypatch.setattr(copies, "POLL_S", 30.0)
    wait_listening(engine)
    uid = str(uuid.uuid4())
    event = Envelope(event_type="gateway.user.created", aggregate_type="user", aggregate_id=uid, aggregate_seq=1,
                     data={"id": uid, "username": f"u{uid[:6]}", "full_name": "新同事", "role": "sales",
                           "manager_id": None, "active": True, "region": "cn-east"},
                     producer="gateway", region="cn-east")
    feeder = apply_later(engine, 0.3, event)
    started = time.monotonic()
    assert copies.await_copy(engine, "acl_users", uid, 10.0) is True
    assert time.monotonic() - started < 2.0
    feeder.join()


def test_a_row_that_never_comes_answers_within_the_bound(engine):
    started = time.monotonic()
    assert copies.await_copy(engine, "acl_customers", str(uuid.uuid4()), 1.0) is False
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 1.6, elapsed


def test_a_present_row_answers_at_once(engine):
    cid = str(uuid.uuid4())
    run_handlers_directly(engine, visibility_handlers(), Outbox("tracking", "cn-east"),
                          [customer_event(cid, str(uuid.uuid4()))])
    started = time.monotonic()
    assert copies.await_copy(engine, "acl_customers", cid, 5.0) is True
    assert time.monotonic() - started < 0.5


def test_waiting_holds_no_connection_and_no_transaction(engine):
    """While 20 requests wait, the pool lends nothing out between looks and the database
    shows no session idle in a transaction: only the one LISTEN connection per process."""
    wait_listening(engine)
    db = engine.url.database
    in_tx_sql = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND state LIKE 'idle in transaction%'")

    def sessions_in_transaction() -> int:
        # the database is shared with other tests' workers (a relay holds its batch's
        # transaction while the broker confirms): what counts is what the waiting adds
        probe = make_engine(str(engine.url.render_as_string(hide_password=False)), pool_size=1)
        try:
            with probe.connect() as conn:
                return int(conn.execute(in_tx_sql, {"d": db}).scalar_one())
        finally:
            probe.dispose()

    before = sessions_in_transaction()
    ids = [str(uuid.uuid4()) for _ in range(20)]
    results: list[bool] = []
    threads = [threading.Thread(target=lambda i=i: results.append(copies.await_copy(engine, "acl_customers", i, 3.0)))
               for i in ids]
    for t in threads:
        t.start()
    listener = copies.listener_for(engine)
    eventually(lambda: listener.waiting() == 20, timeout=2.5)
    # other workers' transactions come and go (a relay holds one while the broker confirms):
    # while the 20 still wait there must be a moment with no more open than before
    [in_tx] = eventually(lambda: (n := sessions_in_transaction()) <= before and [n], timeout=2.0)
    assert listener.waiting() == 20  # measured while they all still waited
    probe = make_engine(str(engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        with probe.connect() as conn:
            listening = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND application_name = :a"),
                {"d": db, "a": copies.APPLICATION_NAME}).scalar_one()
    finally:
        probe.dispose()
    assert in_tx <= before
    assert listening == 1  # one listener for the whole process, not one per waiter
    assert engine.pool.checkedout() <= 2  # at most a look in progress, never 20 held
    apply_later(engine, 0, *[customer_event(i, str(uuid.uuid4())) for i in ids]).join()
    for t in threads:
        t.join(5)
    assert results == [True] * 20
    assert listener.waiting() == 0


def test_the_listener_leaves_when_nobody_waits(engine, monkeypatch):
    """A process at rest holds no LISTEN connection: the thread ends IDLE_S after the last
    waiter, and the next wait starts it again."""
    monkeypatch.setattr(copies.CopyListener, "IDLE_S", 0.5)
    listener = wait_listening(engine)
    eventually(lambda: not listener.listening.is_set(), timeout=10)
    cid = str(uuid.uuid4())
    feeder = apply_later(engine, 0.3, customer_event(cid, str(uuid.uuid4())))
    assert copies.await_copy(engine, "acl_customers", cid, 5.0) is True
    feeder.join()


def test_only_copy_tables_are_waited_for(engine):
    with pytest.raises(ValueError):
        copies.await_copy(engine, "outbox", "1", 0.1)
    with pytest.raises(ValueError):
        copies.CopyMissing(copies.DomainError("x"), ("users; drop table x", "1"))
