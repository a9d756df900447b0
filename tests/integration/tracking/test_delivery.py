"""Duplicate and out-of-order delivery, through the handlers and through the broker."""

from __future__ import annotations

import json
import random
import uuid

import pika
import pytest
import sqlalchemy as sa

from services.tracking.bootstrap import root
from shared.testing.fixtures import eventually
from shared.topology import connect
from tests.integration.tracking import scenario
from tests.integration.tracking.test_reports import NOV, by

pytestmark = pytest.mark.integration


def snapshot(engine) -> dict:
    with engine.connect() as conn:
        out = {}
        for table in ("rm_customers", "rm_leads", "rm_opportunities", "rm_orders", "rm_order_lines",
                      "rm_order_balances", "rm_invoices", "rm_payments", "rm_expenses", "rm_products"):
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            out[table] = sorted(tuple(str(v) for v in r) for r in rows)
        out["events"] = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        out["notifications"] = conn.execute(sa.text("SELECT count(*) FROM notifications")).scalar_one()
        return out


def test_duplicates_and_shuffled_order_give_the_same_state(apply, engine, service_settings):
    s = scenario.build()
    apply(s.events)
    in_order = snapshot(engine)

    from shared.db import make_engine

    other = make_engine(service_settings("tracking").database_url, pool_size=1)
    try:
        from services.tracking.handlers import handler_table
        from shared.consumer import run_handlers_directly
        from shared.outbox import Outbox

        users = [e for e in s.events if e.event_type.startswith("gateway.")]
        rest = [e for e in s.events if not e.event_type.startswith("gateway.")]
        shuffled = rest + random.Random(7).sample(rest, len(rest))  # every event twice, any order
        random.Random(8).shuffle(shuffled)
        table = handler_table()
        run_handlers_directly(other, table, Outbox("tracking", "cn-east"), users)
        for ev in shuffled:  # one transaction per delivery, as a redelivery would be
            run_handlers_directly(other, table, Outbox("tracking", "cn-east"), [ev])
        shuffled_state = snapshot(other)
    finally:
        other.dispose()
    for table in ("rm_customers", "rm_opportunities", "rm_orders", "rm_order_lines", "rm_order_balances",
                  "rm_invoices", "rm_payments", "rm_products"):
        assert shuffled_state[table] == in_order[table], table
    # leads merge field by field; expenses keep their first submission time: same figures
    assert [r[:3] for r in shuffled_state["rm_leads"]] == [r[:3] for r in in_order["rm_leads"]]
    assert [r[:6] for r in shuffled_state["rm_expenses"]] == [r[:6] for r in in_order["rm_expenses"]]
    assert shuffled_state["events"] == in_order["events"] == len(s.events)
    assert shuffled_state["notifications"] == in_order["notifications"]


def test_stale_snapshot_does_not_undo_a_newer_one(apply, as_user):
    s = scenario.build()
    orders = [e for e in s.events if e.event_type.startswith("sales.order.") and e.data["number"] == "SO-3"]
    others = [e for e in s.events if e not in orders]
    apply(others)
    apply(reversed(orders))  # cancelled first, then confirmed, then created
    rows = by(as_user(s.users["A"]).get("/reports/sales-performance", query_string=NOV).get_json()["items"],
              "owner_id")
    assert rows[s.users["R1"]["id"]]["orders"] == 1  # SO-3 stays cancelled


@pytest.fixture
def broker_settings(settings):
    """tracking's settings with a queue and exchanges of their own: no other test's queue
    gets these events, and no other test's events reach this queue."""
    tag = uuid.uuid4().hex[:8]
    return settings.with_(service=f"tracking{tag}", exchange=f"crm.events.{tag}", dead_letter_exchange=f"crm.dlx.{tag}")


def test_through_the_broker_with_redelivery(broker_settings, engine, run_in_thread):
    """Events published to the exchange (each twice, newest first) and consumed by the real
    consumer end up stored once, and the read models hold the newest state."""
    s = scenario.build()
    root.declare(broker_settings)
    run_in_thread(root.consumer(broker_settings))
    conn = connect(broker_settings.rabbitmq_url)
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        users = [e for e in s.events if e.event_type.startswith("gateway.")]
        rest = [e for e in s.events if not e.event_type.startswith("gateway.")]
        for ev in users + list(reversed(rest)) + rest:
            ch.basic_publish(broker_settings.exchange, ev.routing_key, ev.to_json(), props)
    finally:
        conn.close()

    def done():
        with engine.connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM events")).scalar_one() == len(s.events) and \
                c.execute(sa.text("SELECT count(*) FROM inbox WHERE handler = 'tracking.record_event'")).scalar_one() \
                == len(s.events)

    eventually(done, timeout=30)
    with engine.connect() as c:
        status = dict(c.execute(sa.text("SELECT number, status FROM rm_orders")).all())
    assert status == {"SO-1": "confirmed", "SO-2": "shipped", "SO-3": "cancelled", "SO-4": "rejected",
                      "SO-5": "closed"}


def test_a_failing_message_falls_back_without_holding_up_the_batch(broker_settings, engine, run_in_thread):
    """One message that cannot be stored (an event id longer than the inbox allows) makes
    the batch fall back to the per-message path: the others are stored, it is dead-lettered."""
    s = scenario.build()
    good = [e for e in s.events if e.event_type.startswith("customer.customer.")]
    bad = good[0].to_dict()
    bad["event_id"] = "x" * 80
    root.declare(broker_settings)
    conn = connect(broker_settings.rabbitmq_url)
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        for body in [e.to_json() for e in good[:2]] + [json.dumps(bad).encode()] + [e.to_json() for e in good[2:]]:
            ch.basic_publish(broker_settings.exchange, good[0].routing_key, body, props)
    finally:
        conn.close()
    consumer = run_in_thread(root.consumer(broker_settings))

    def done():
        with engine.connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM events")).scalar_one() == len(good) and \
                consumer.dead_lettered == 1

    eventually(done, timeout=30)
    assert consumer.fallbacks >= 1
    conn = connect(broker_settings.rabbitmq_url)
    try:
        assert conn.channel().queue_declare(f"{broker_settings.queue_name}.dlq", passive=True).method.message_count == 1
    finally:
        conn.close()


def test_batch_path_with_duplicates_inside_one_batch(engine, apply, service_settings):
    """The consumer's batch path (one inbox statement, one insert) gives the same state as
    the per-message path, also when a batch holds the same event twice."""
    from services.tracking.handlers import handler_table
    from shared.consumer import apply_events
    from shared.db import make_engine
    from shared.outbox import Outbox

    s = scenario.build()
    apply(s.events)
    expected = snapshot(engine)
    other = make_engine(service_settings("tracking").database_url, pool_size=1)
    try:
        table, outbox = handler_table(), Outbox("tracking", "cn-east")
        batch = s.events + s.events[5:25]
        with other.begin() as db:
            apply_events(db, table, outbox, batch)
        stored = snapshot(other)
        with other.begin() as db:
            apply_events(db, table, outbox, s.events[:10])  # redelivered: nothing new
        assert stored["events"] == len(s.events)
        assert snapshot(other) == stored == expected
    finally:
        other.dispose()
