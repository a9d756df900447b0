"""The saga through real RabbitMQ: the inventory consumer takes sales.order.placed from the
broker, the relay publishes what it wrote to the outbox (batched rows included)."""

from __future__ import annotations

import json
import uuid

import pika
import pytest

from services.inventory.bootstrap import root
from shared.envelope import Envelope
from shared.testing.fixtures import eventually
from shared.topology import connect
from tests.integration.inventory.conftest import order_event

pytestmark = pytest.mark.integration


@pytest.fixture
def bus(inv_settings):
    """Settings on a private exchange of this run's vhost, and a tap on every event."""
    suffix = uuid.uuid4().hex[:8]
    settings = inv_settings.with_(exchange=f"crm.events.{suffix}", dead_letter_exchange=f"crm.dlx.{suffix}")
    conn = connect(settings.rabbitmq_url)
    ch = conn.channel()
    ch.exchange_declare(settings.exchange, exchange_type="topic", durable=True)
    tap = f"tap.{suffix}"
    ch.queue_declare(tap, exclusive=True)
    ch.queue_bind(tap, settings.exchange, routing_key="inventory.#")
    seen: list[Envelope] = []

    def drain() -> list[Envelope]:
        while True:
            method, _props, body = ch.basic_get(tap, auto_ack=True)
            if method is None:
                return seen
            seen.append(Envelope.from_json(body))

    def publish(envelope: Envelope) -> None:
        ch.basic_publish(settings.exchange, envelope.routing_key, envelope.to_json(),
                         pika.BasicProperties(delivery_mode=2, content_type="application/json"))

    yield settings, suffix, drain, publish
    conn.close()


def test_placed_and_cancelled_through_the_broker(world, bus, run_in_thread):
    settings, suffix, drain, publish = bus
    run_in_thread(root.consumer(settings, queue=f"inventory.events.{suffix}"))
    run_in_thread(root.relay(settings))
    wh = world.warehouse()
    p1, p2 = world.product(), world.product()
    world.receive(wh, {p1: 5, p2: 5})
    placed = order_event("sales.order.placed", {p1: 2, p2: 1}, warehouse_id=wh)

    def reserved():
        return [e for e in drain() if e.event_type == "inventory.stock.reserved"
                and e.data["order_id"] == placed.data["id"]]

    # the consumer's queue is declared when it connects; publish until it has taken the event
    eventually(lambda: publish(placed) or reserved(), timeout=20, interval=0.5)
    [event] = reserved()
    assert event.causation_id == placed.event_id and event.customer_id == placed.customer_id
    assert event.actor_id == placed.actor_id and event.aggregate_seq >= 1
    changed = eventually(lambda: [e for e in drain() if e.event_type == "inventory.stock.changed"
                                  and e.data["product_id"] in (p1, p2) and e.causation_id == placed.event_id])
    assert {e.data["product_id"] for e in changed} == {p1, p2}
    assert world.level(p1, wh) == (5, 2, 3)          # republished placed events reserved once

    cancel = order_event("sales.order.cancelled", {p1: 2, p2: 1}, order_id=placed.data["id"], status="cancelled")
    publish(cancel)
    eventually(lambda: [e for e in drain() if e.event_type == "inventory.stock.released"
                        and e.data["order_id"] == placed.data["id"]], timeout=20)
    assert world.level(p1, wh) == (5, 0, 5) and world.level(p2, wh) == (5, 0, 5)
    bodies = [json.loads(json.dumps(e.to_dict())) for e in drain()]
    assert all(b["producer"] == "inventory" for b in bodies)


def test_consumer_batch_size_comes_from_the_environment(inv_settings, monkeypatch):
    monkeypatch.setenv("INVENTORY_CONSUMER_BATCH", "7")
    consumer = root.consumer(inv_settings)
    assert consumer.batch == 7
    consumer.engine.dispose()
    monkeypatch.delenv("INVENTORY_CONSUMER_BATCH")
    consumer = root.consumer(inv_settings)
    assert consumer.batch == 100
    consumer.engine.dispose()
