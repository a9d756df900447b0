"""Two sales consumer processes on one queue: every order is confirmed or rejected
exactly once, although every saga event is delivered twice and some orders get a second,
distinct reservation event at the same time."""

from __future__ import annotations

import multiprocessing
import uuid

import pika
import pytest
import sqlalchemy as sa

from services.sales.handlers import handler_table
from shared.envelope import Envelope
from shared.testing.fixtures import eventually
from shared.topology import connect, declare_consumer_queue
from tests.integration.sales import workers
from tests.integration.sales.conftest import WAREHOUSE

pytestmark = pytest.mark.integration

ORDERS = 120


def test_two_consumer_processes_settle_every_order_exactly_once(world):
    suffix = uuid.uuid4().hex[:8]
    settings = world.settings.with_(exchange=f"crm.events.{suffix}", dead_letter_exchange=f"crm.dlx.{suffix}",
                                    prefetch=10)
    queue = f"sales.scaling.{suffix}"
    pid = world.product()
    rep1 = world.client("rep1")
    orders = [rep1.post("/orders", json={"customer_id": world.customers["rep1"],
                                         "lines": [{"product_id": pid, "quantity": 1 + i % 3}]}).json
              for i in range(ORDERS)]
    envelopes = []
    for i, order in enumerate(orders):
        lines = [{"product_id": pid, "quantity": order["lines"][0]["quantity"]}]
        if i % 3 == 2:
            data = {"order_id": order["id"], "reason": "库存不足",
                    "short_lines": [{"product_id": pid, "requested": lines[0]["quantity"], "available": 0}]}
            kinds = ["inventory.stock.reservation_failed"]
        else:
            data = {"order_id": order["id"], "warehouse_id": WAREHOUSE, "lines": lines}
            # every fourth also gets a second, distinct reservation event (a replayed saga step)
            kinds = ["inventory.stock.reserved"] * (2 if i % 4 == 0 else 1)
        for kind in kinds:
            env = Envelope(event_type=kind, aggregate_type="reservation", aggregate_id=order["id"], aggregate_seq=1,
                           data=data, producer="inventory", region="cn-east", customer_id=order["customer_id"])
            envelopes += [env, env]  # each delivered twice
    conn = connect(settings.rabbitmq_url)
    declare_consumer_queue(conn.channel(), settings, queue, handler_table().patterns)
    conn.close()

    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    counters = [ctx.Value("i", 0) for _ in range(2)]
    procs = [ctx.Process(target=workers.run_consumer_process, args=(settings, queue, stop, c)) for c in counters]
    for p in procs:
        p.start()
    ids = [o["id"] for o in orders]

    def settled() -> bool:
        with world.engine.connect() as c:
            n = c.execute(sa.text("SELECT count(*) FROM orders WHERE id = ANY(:ids) AND status IN "
                                  "('confirmed', 'rejected')"), {"ids": ids}).scalar()
        return n == ORDERS

    try:
        eventually(lambda: _queue_info(settings, queue).consumer_count == 2, timeout=30, interval=0.1)
        conn = connect(settings.rabbitmq_url)
        ch = conn.channel()
        ch.confirm_delivery()
        for env in envelopes:
            ch.basic_publish(settings.exchange, env.routing_key, env.to_json(), pika.BasicProperties(delivery_mode=2))
        conn.close()
        eventually(settled, timeout=60, interval=0.2)
        eventually(lambda: _queue_empty(settings, queue), timeout=30, interval=0.2)
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=30)
    with world.engine.connect() as c:
        rows = c.execute(sa.text(
            "SELECT payload->>'aggregate_id' AS order_id, payload->>'event_type' AS type, count(*) AS n FROM outbox "
            "WHERE payload->>'aggregate_id' = ANY(:ids) AND payload->>'event_type' IN "
            "('sales.order.confirmed', 'sales.order.rejected') GROUP BY 1, 2"), {"ids": ids}).all()
        statuses = dict(c.execute(sa.text("SELECT id, status FROM orders WHERE id = ANY(:ids)"), {"ids": ids}).all())
    outcomes = {r.order_id: (r.type, r.n) for r in rows}
    assert len(outcomes) == ORDERS
    for i, order in enumerate(orders):
        expected = "sales.order.rejected" if i % 3 == 2 else "sales.order.confirmed"
        assert outcomes[order["id"]] == (expected, 1), (i, outcomes[order["id"]])
        assert statuses[order["id"]] == expected.rsplit(".", 1)[1]
    # both processes took part in the work
    assert all(c.value > 0 for c in counters), [c.value for c in counters]
    assert sum(c.value for c in counters) >= len(envelopes)


def _queue_info(settings, queue: str):
    conn = connect(settings.rabbitmq_url)
    try:
        return conn.channel().queue_declare(queue, passive=True).method
    finally:
        conn.close()


def _queue_empty(settings, queue: str) -> bool:
    return _queue_info(settings, queue).message_count == 0
