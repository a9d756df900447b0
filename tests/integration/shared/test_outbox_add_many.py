"""Outbox.add_many against a real database: every event checked, numbers per aggregate."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from shared import events
from shared.db import make_engine
from shared.outbox import Emitter, EventContext, NewEvent, Outbox, take_seqs

pytestmark = pytest.mark.integration

OUTBOX = Outbox("inventory", "cn-east")


@pytest.fixture
def engine(service_settings):
    e = make_engine(service_settings("inventory").database_url)
    yield e
    e.dispose()


def changed(pid: str, on_hand: int = 5) -> NewEvent:
    data = dict(events.spec("inventory.stock.changed").sample, product_id=pid, on_hand=on_hand)
    return NewEvent("inventory.stock.changed", "stock", pid, data)


def outbox_rows(conn, aggregate_id: str) -> list[dict]:
    rows = conn.execute(sa.text("SELECT routing_key, payload::text AS p FROM outbox "
                                "WHERE payload->>'aggregate_id' = :a ORDER BY id"), {"a": aggregate_id}).all()
    return [dict(json.loads(r.p), routing_key=r.routing_key) for r in rows]


def test_numbers_follow_each_aggregate_in_order_and_continue_after_add(engine):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    ctx = EventContext(actor_id=str(uuid.uuid4()), correlation_id="req-1")
    with engine.begin() as conn:
        OUTBOX.add(conn, ctx, "inventory.stock.changed", aggregate_type="stock", aggregate_id=a,
                   data=changed(a).data)
        out = OUTBOX.add_many(conn, ctx, [changed(a, 1), changed(b, 2), changed(a, 3)])
    assert [(e.aggregate_id, e.aggregate_seq) for e in out] == [(a, 2), (b, 1), (a, 3)]
    with engine.connect() as conn:
        rows = outbox_rows(conn, a)
    assert [(r["aggregate_seq"], r["data"]["on_hand"]) for r in rows] == [(1, 5), (2, 1), (3, 3)]
    assert all(r["routing_key"] == "inventory.stock.changed.v1" and r["actor_id"] == ctx.actor_id
               and r["correlation_id"] == "req-1" and r["producer"] == "inventory" for r in rows)


def test_every_event_is_checked_and_a_bad_one_writes_nothing(engine):
    a = str(uuid.uuid4())
    bad = NewEvent("inventory.stock.changed", "stock", a, dict(changed(a).data, on_hand="many"))
    with pytest.raises(events.InvalidEventData), engine.begin() as conn:
        # the bad event is the third of its kind: checking only the first would let it through
        OUTBOX.add_many(conn, EventContext(), [changed(a), changed(a), bad])
    with engine.connect() as conn:
        assert outbox_rows(conn, a) == []
        assert conn.execute(sa.text("SELECT count(*) FROM aggregate_sequences WHERE aggregate_id = :a"),
                            {"a": a}).scalar_one() == 0


def test_numbers_taken_first_are_used_and_emitter_binds_the_context(engine):
    a = str(uuid.uuid4())
    ctx = EventContext(actor_id="u1", correlation_id="c1", causation_id=str(uuid.uuid4()))
    with engine.begin() as conn:
        first = take_seqs(conn, {("stock", a): 2})
        assert first == {("stock", a): 1}
        emit = Emitter(conn, OUTBOX, ctx)
        out = emit.many([changed(a), changed(a)], first)
        later = emit("inventory.stock.changed", aggregate_type="stock", aggregate_id=a, data=changed(a).data)
    assert [e.aggregate_seq for e in out] == [1, 2] and later.aggregate_seq == 3
    assert {e.causation_id for e in [*out, later]} == {ctx.causation_id}
    with engine.connect() as conn:
        assert [r["aggregate_seq"] for r in outbox_rows(conn, a)] == [1, 2, 3]
