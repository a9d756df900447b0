"""The event backbone against real PostgreSQL and RabbitMQ: outbox, relay, consumer."""

from __future__ import annotations

import json
import multiprocessing
import urllib.parse
import uuid

import pika
import pytest
import sqlalchemy as sa

from shared.consumer import ATTEMPT_HEADER, Consumer
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events import customer as customer_events
from shared.outbox import EventContext, Outbox
from shared.relay import Relay
from shared.testing.fixtures import eventually
from shared.topology import connect, declare_consumer_queue, dlq_name
from tests.integration.messaging import probe

pytestmark = pytest.mark.integration


def customer_data(name: str, cid: str | None = None) -> dict:
    sample = dict(customer_events._CUSTOMER_SAMPLE)
    sample.update(id=cid or str(uuid.uuid4()), name=name)
    return sample


@pytest.fixture
def settings(service_settings):
    """A fake service with the probe tables, its own queue and exchange on this run's vhost."""
    s = service_settings("tracking", migrate=False)
    suffix = uuid.uuid4().hex[:8]
    s = s.with_(service=f"probe{suffix}", exchange=f"crm.events.{suffix}", dead_letter_exchange=f"crm.dlx.{suffix}")
    engine = make_engine(s.database_url)
    probe.metadata.create_all(engine)
    engine.dispose()
    return s


@pytest.fixture
def engine(settings):
    e = make_engine(settings.database_url)
    yield e
    e.dispose()


@pytest.fixture
def tap(settings):
    """A queue bound to every event on the test exchange, to see what the relay published."""
    conn = connect(settings.rabbitmq_url)
    ch = conn.channel()
    ch.exchange_declare(settings.exchange, exchange_type="topic", durable=True)
    name = f"tap.{uuid.uuid4().hex[:8]}"
    ch.queue_declare(name, exclusive=True)
    ch.queue_bind(name, settings.exchange, routing_key="#")

    def drain() -> list[dict]:
        out = []
        while True:
            method, _props, body = ch.basic_get(name, auto_ack=True)
            if method is None:
                return out
            out.append(json.loads(body))

    yield drain
    conn.close()


def add_events(engine, settings, names: list[str]) -> list[Envelope]:
    outbox = Outbox(settings.service, settings.region)
    with engine.begin() as conn:
        return [
            outbox.add(conn, EventContext(actor_id=str(uuid.uuid4())), "customer.customer.created",
                       aggregate_type="customer", aggregate_id=str(uuid.uuid4()), data=customer_data(n))
            for n in names
        ]


def publish_raw(settings, envelopes: list[Envelope]) -> None:
    conn = connect(settings.rabbitmq_url)
    ch = conn.channel()
    ch.confirm_delivery()
    for env in envelopes:
        ch.basic_publish(settings.exchange, env.routing_key, env.to_json(), pika.BasicProperties(delivery_mode=2))
    conn.close()


def envelope(name: str, aggregate_id: str, seq: int) -> Envelope:
    return Envelope(
        event_type="customer.customer.updated", aggregate_type="customer", aggregate_id=aggregate_id,
        aggregate_seq=seq, data=customer_data(name, aggregate_id), producer="customer", region="cn-east",
    )


def probe_rows(engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        return {r.aggregate_id: (r.name, r.applied) for r in conn.execute(sa.select(probe.probe))}


def test_event_of_rolled_back_transaction_is_never_published(settings, engine, tap, run_in_thread):
    outbox = Outbox(settings.service, settings.region)
    with engine.connect() as conn:
        tx = conn.begin()
        outbox.add(conn, EventContext(), "customer.customer.created", aggregate_type="customer",
                   aggregate_id=str(uuid.uuid4()), data=customer_data("回滚的客户"))
        tx.rollback()
    committed = add_events(engine, settings, ["提交的客户"])
    relay = run_in_thread(Relay(settings, engine))
    eventually(lambda: relay.published == 1)
    seen = eventually(tap)
    assert [e["event_id"] for e in seen] == [committed[0].event_id]
    assert seen[0]["data"]["name"] == "提交的客户"


def test_events_committed_while_broker_is_unreachable_are_published_when_it_is_back(
    settings, engine, tap, run_in_thread, tcp_proxy
):
    parsed = urllib.parse.urlsplit(settings.rabbitmq_url)
    proxy = tcp_proxy(parsed.hostname, parsed.port or 5672)
    via_proxy = parsed._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}").geturl()
    relay = run_in_thread(Relay(settings, engine, rabbitmq_url=via_proxy, max_backoff=0.5))
    add_events(engine, settings, ["before"])
    eventually(lambda: relay.published == 1)
    proxy.cut()
    written = add_events(engine, settings, [f"客户{i}" for i in range(200)])
    with engine.connect() as conn:
        eventually(lambda: conn.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar() == 200)
    proxy.resume()
    received: dict[str, dict] = {}

    def all_arrived() -> bool:
        for e in tap():
            received[e["event_id"]] = e
        return {w.event_id for w in written} <= set(received)

    eventually(all_arrived, timeout=20)

    def none_pending() -> bool:  # rows are marked sent just after the broker's confirms
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar() == 0

    eventually(none_pending, timeout=10)


def test_message_delivered_twice_is_applied_once(settings, engine, run_in_thread):
    consumer = start_consumer(settings, engine, run_in_thread)
    env = envelope("重复投递", str(uuid.uuid4()), 1)
    publish_raw(settings, [env, env])
    eventually(lambda: consumer.processed == 2)
    assert probe_rows(engine)[env.aggregate_id] == ("重复投递", 1)


def test_failing_handler_ends_in_dead_letter_queue_while_others_proceed(settings, engine, run_in_thread):
    consumer = start_consumer(settings, engine, run_in_thread)
    bad = envelope("ALWAYS-FAILS", str(uuid.uuid4()), 1)
    good = [envelope(f"good{i}", str(uuid.uuid4()), 1) for i in range(20)]
    publish_raw(settings, [bad, *good])
    # the good ones are applied while the bad one is still being retried
    eventually(lambda: len(probe_rows(engine)) == 20, timeout=5)
    assert consumer.dead_lettered == 0
    eventually(lambda: consumer.dead_lettered == 1, timeout=10)
    conn = connect(settings.rabbitmq_url)
    method, props, body = conn.channel().basic_get(dlq_name(settings.queue_name), auto_ack=True)
    conn.close()
    assert method is not None and json.loads(body)["event_id"] == bad.event_id
    assert props.headers[ATTEMPT_HEADER] == len(settings.retry_delays_ms) + 1
    assert "always fails" in props.headers["x-crm-error"]


def test_stale_event_does_not_overwrite_newer_state(settings, engine, run_in_thread):
    consumer = start_consumer(settings, engine, run_in_thread)
    cid = str(uuid.uuid4())
    publish_raw(settings, [envelope("第二版", cid, 2), envelope("第一版", cid, 1)])
    eventually(lambda: consumer.processed == 2)
    assert probe_rows(engine)[cid] == ("第二版", 1)


def test_two_consumer_processes_never_apply_an_event_twice(settings, engine):
    conn = connect(settings.rabbitmq_url)
    declare_consumer_queue(conn.channel(), settings, settings.queue_name, probe.handler_table().patterns)
    conn.close()
    envelopes = [envelope(f"c{i}", str(uuid.uuid4()), 1) for i in range(300)]
    publish_raw(settings, envelopes + envelopes)  # every event delivered twice
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=probe.run_consumer_process, args=(settings, 15.0)) for _ in range(2)]
    for p in procs:
        p.start()
    try:
        eventually(lambda: len(probe_rows(engine)) == 300, timeout=40)
    finally:
        for p in procs:
            p.join(timeout=20)
    rows = probe_rows(engine)
    assert all(applied == 1 for _, applied in rows.values())
    with engine.connect() as c:
        handled = c.execute(sa.text("SELECT count(*) FROM inbox")).scalar()
    assert handled == 300


def start_consumer(settings, engine, run_in_thread) -> Consumer:
    """Declare the consumer's queues and bindings first (as deploy.prepare does), so that
    nothing published right after is dropped as unroutable, then run it in a thread."""
    conn = connect(settings.rabbitmq_url)
    declare_consumer_queue(conn.channel(), settings, settings.queue_name, probe.handler_table().patterns)
    conn.close()
    return run_in_thread(Consumer(settings, engine, probe.handler_table()))


def test_dead_letters_can_be_listed_and_replayed(settings, engine, run_in_thread, capsys):
    from shared import dlq

    consumer = start_consumer(settings, engine, run_in_thread)
    bad = envelope("ALWAYS-FAILS", str(uuid.uuid4()), 1)
    publish_raw(settings, [bad])
    eventually(lambda: consumer.dead_lettered == 1, timeout=10)

    assert dlq.main(["list", settings.queue_name, "--url", settings.rabbitmq_url]) == 0
    out = capsys.readouterr().out
    assert "1 message(s)" in out and bad.event_id in out
    # listing leaves the message in place; replaying sends it back to the consumer's queue
    assert dlq.replay(settings.rabbitmq_url, settings.queue_name, {bad.event_id}) == 1
    eventually(lambda: consumer.dead_lettered == 2, timeout=10)  # it fails again, as it must
    assert dlq.replay(settings.rabbitmq_url, settings.queue_name, {"no-such-id"}) == 0


def test_outbox_numbers_each_aggregates_events_in_order(settings, engine):
    outbox = Outbox(settings.service, settings.region)
    cid = str(uuid.uuid4())
    with engine.begin() as conn:
        first = outbox.add(conn, EventContext(), "customer.customer.created", aggregate_type="customer",
                           aggregate_id=cid, data=customer_data("甲", cid))
        second = outbox.add(conn, EventContext(), "customer.customer.updated", aggregate_type="customer",
                            aggregate_id=cid, data=customer_data("乙", cid))
        other = outbox.add(conn, EventContext(), "customer.customer.created", aggregate_type="customer",
                           aggregate_id=str(uuid.uuid4()), data=customer_data("丙"))
    assert (first.aggregate_seq, second.aggregate_seq, other.aggregate_seq) == (1, 2, 1)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT event_id, (payload->>'aggregate_seq')::int FROM outbox")).all())
    assert stored[first.event_id] == 1 and stored[second.event_id] == 2
