"""A merge of duplicate customers in tracking: the duplicate's timeline entries and read-model
rows (orders) go to the survivor and come back on undo, a redelivery changes nothing, and a
rebuild of the read models from the stored events ends where the live handlers did."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.tracking.rebuild import rebuild
from tests.integration.tracking.events import (
    Seq,
    customer_event,
    envelope,
    order_event,
    payload,
    uid,
)

pytestmark = pytest.mark.integration

AT = "2026-11-20T08:00:00+00:00"


def merge_event(event_type: str, dup: str, survivor: str, owner: str, merge_id: str, seq: Seq, at: str):
    data = payload(event_type, id=dup, owner_id=owner, name="重复客户", created_at=AT, merge_id=merge_id,
                   survivor_id=survivor, survivor_name="保留客户",
                   status="deleted" if event_type.endswith("merged") else "active")
    return envelope(event_type, data, aggregate_type="customer", aggregate_id=dup, seq=seq.next(dup), at=at,
                    customer_id=survivor, actor_id=owner)


def state(engine, dup: str, survivor: str) -> dict:
    with engine.connect() as conn:
        timeline = dict(conn.execute(sa.text(
            "SELECT customer_id, count(*) FROM events WHERE customer_id IN (:d, :s) GROUP BY customer_id"),
            {"d": dup, "s": survivor}).all())
        orders = dict(conn.execute(sa.text(
            "SELECT customer_id, count(*) FROM rm_orders WHERE customer_id IN (:d, :s) GROUP BY customer_id"),
            {"d": dup, "s": survivor}).all())
    return {"timeline": timeline, "orders": orders}


def test_timeline_and_read_models_follow_a_merge_and_its_undo(engine, apply):
    seq, owner, dup, survivor, merge_id = Seq(), uid(), uid(), uid(), uid()
    apply([customer_event("customer.customer.created", c, owner, seq, AT, name=n, created=AT)
           for c, n in ((survivor, "保留客户"), (dup, "重复客户"))])
    order = {**payload("sales.order.placed"), "id": uid(), "customer_id": dup, "owner_id": owner}
    apply([order_event("sales.order.placed", order, seq, "2026-11-21T08:00:00+00:00")])
    before = state(engine, dup, survivor)
    assert before == {"timeline": {dup: 2, survivor: 1}, "orders": {dup: 1}}

    merged = merge_event("customer.customer.merged", dup, survivor, owner, merge_id, seq, "2026-11-22T08:00:00+00:00")
    apply([merged])
    apply([merged])  # redelivered
    assert state(engine, dup, survivor) == {"timeline": {survivor: 4}, "orders": {survivor: 1}}
    rebuild(engine)
    assert state(engine, dup, survivor)["orders"] == {survivor: 1}

    apply([merge_event("customer.customer.merge_undone", dup, survivor, owner, merge_id, seq,
                       "2026-11-23T08:00:00+00:00")])
    # the duplicate's own entries are back; the merge and its undo stay on the survivor's timeline
    assert state(engine, dup, survivor) == {"timeline": {dup: 2, survivor: 3}, "orders": {dup: 1}}
    rebuild(engine)
    assert state(engine, dup, survivor)["orders"] == {dup: 1}
