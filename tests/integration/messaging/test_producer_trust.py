"""A consumer applies an event only from the producer that owns its type (issue 11.2), with
two real broker users on this run's vhost: the gateway's and an intruder's. The intruder
may publish to the exchange (as a service with broader rights, or a leaked credential
would), but a `gateway.user.updated` it publishes is dead-lettered and logged, never
applied; genuine events still survive retries and DLQ replay."""

from __future__ import annotations

import logging
import uuid
from collections import Counter

import pika
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared import dlq
from shared.consumer import ERROR_HEADER, Consumer, HandlerTable, Reactions
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events import gateway as gateway_events
from shared.provenance import ORIGIN_HEADER
from shared.testing.fixtures import eventually
from shared.testing.servers import broker_test_user
from shared.topology import connect, declare_consumer_queue
from shared.visibility import visibility_handlers

pytestmark = pytest.mark.integration

attempts: Counter[str] = Counter()
broken: set[str] = set()  # event ids whose handler fails until removed


def flaky(_conn: Connection, event: Envelope, _r: Reactions) -> None:
    attempts[event.event_id] += 1
    if event.data["username"].startswith("FLAKY") and attempts[event.event_id] <= 2:
        raise RuntimeError("fails on the first two attempts")
    if event.event_id in broken:
        raise RuntimeError("fails until repaired")


def handler_table() -> HandlerTable:
    table = visibility_handlers()
    table.add("gateway.user.#", flaky, name="trust.flaky")
    return table


@pytest.fixture(scope="module")
def gateway_url(amqp_url):
    with broker_test_user(amqp_url, f"crmt-gw-{uuid.uuid4().hex[:8]}") as url:
        yield url


@pytest.fixture(scope="module")
def intruder_url(amqp_url):
    with broker_test_user(amqp_url, f"crmt-intruder-{uuid.uuid4().hex[:8]}") as url:
        yield url


def user_of(url: str) -> str:
    from shared.config import url_user

    return url_user(url)


@pytest.fixture
def settings(service_settings, gateway_url):
    """A consumer (as the run's shared user, guest) that knows the gateway's broker user."""
    suffix = uuid.uuid4().hex[:8]
    s = service_settings("sales")
    return s.with_(service=f"trust{suffix}", exchange=f"crm.events.{suffix}", dead_letter_exchange=f"crm.dlx.{suffix}",
                   producer_users=(("gateway", user_of(gateway_url)),))


@pytest.fixture
def engine(settings):
    e = make_engine(settings.database_url, pool_size=1)
    yield e
    e.dispose()


def start_consumer(settings, run_in_thread) -> Consumer:
    conn = connect(settings.rabbitmq_url)
    declare_consumer_queue(conn.channel(), settings, settings.queue_name, handler_table().patterns)
    conn.close()
    return run_in_thread(Consumer(settings, make_engine(settings.database_url, pool_size=2), handler_table()))


def user_event(name: str, *, producer: str = "gateway", role: str = "sales") -> Envelope:
    uid = str(uuid.uuid4())
    data = {**gateway_events._USER_SAMPLE, "id": uid, "username": name, "full_name": name, "role": role}
    return Envelope(event_type="gateway.user.updated", aggregate_type="user", aggregate_id=uid, aggregate_seq=1,
                    data=data, producer=producer, region="cn-east")


def publish(url: str, settings, event: Envelope, *, user_id: str | None = "self", headers: dict | None = None) -> None:
    conn = connect(url)
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        props = pika.BasicProperties(delivery_mode=2, headers=headers,
                                     user_id=user_of(url) if user_id == "self" else user_id)
        ch.basic_publish(settings.exchange, event.routing_key, event.to_json(), props)
    finally:
        conn.close()


def known_users(engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.text("SELECT id FROM acl_users"))}


def dead_letters(settings) -> dict[str, pika.BasicProperties]:
    """The DLQ's messages by event id (left in place)."""
    conn = connect(settings.rabbitmq_url)
    try:
        return {letter.event_id: letter.properties for letter in dlq.fetch(conn.channel(), settings.queue_name)}
    finally:
        conn.close()


def test_forged_gateway_event_from_another_broker_user_is_dead_lettered_and_logged(
        settings, engine, gateway_url, intruder_url, run_in_thread, caplog):
    caplog.set_level(logging.ERROR, logger="crm.consumer")
    consumer = start_consumer(settings, run_in_thread)
    genuine = user_event("alice")
    forged = [user_event("mallory", role="admin"),  # user_id: the intruder, validated by the broker
              user_event("mallory-no-id", role="admin"),  # no user_id at all
              user_event("mallory-claims", role="admin")]  # the origin header names the gateway
    publish(gateway_url, settings, genuine)
    publish(intruder_url, settings, forged[0])
    publish(intruder_url, settings, forged[1], user_id=None)
    publish(intruder_url, settings, forged[2], headers={ORIGIN_HEADER: user_of(gateway_url)})

    eventually(lambda: genuine.aggregate_id in known_users(engine))
    eventually(lambda: consumer.refused == 3)
    assert not {e.aggregate_id for e in forged} & known_users(engine)
    assert attempts[forged[0].event_id] == 0  # no handler ever ran on them
    letters = eventually(lambda: (lambda d: d if len(d) == 3 else None)(dead_letters(settings)))
    assert set(letters) == {e.event_id for e in forged}
    assert all("untrusted producer" in str(p.headers[ERROR_HEADER]) for p in letters.values())
    logged = [r.getMessage() for r in caplog.records]
    for event in forged:
        assert any(event.event_id in m and "untrusted producer" in m for m in logged), logged
    assert any(user_of(intruder_url) in m for m in logged)


def test_genuine_event_is_applied_after_retries(settings, engine, gateway_url, run_in_thread):
    """Retries come back with the consumer's own user_id (guest here); the origin header,
    believed only on them, keeps the gateway as their producer."""
    consumer = start_consumer(settings, run_in_thread)
    event = user_event("FLAKY-bob")
    publish(gateway_url, settings, event)
    eventually(lambda: event.aggregate_id in known_users(engine), timeout=10)
    assert attempts[event.event_id] >= 3 and consumer.refused == 0 and consumer.dead_lettered == 0


def test_replayed_dead_letters_are_judged_by_their_first_producer(
        settings, engine, gateway_url, intruder_url, run_in_thread):
    consumer = start_consumer(settings, run_in_thread)
    genuine = user_event("carol")
    forged = user_event("mallory-replayed", role="admin")
    broken.add(genuine.event_id)
    publish(gateway_url, settings, genuine)
    publish(intruder_url, settings, forged)
    eventually(lambda: consumer.dead_lettered == 2, timeout=10)
    letters = dead_letters(settings)
    assert letters[genuine.event_id].headers[ORIGIN_HEADER] == user_of(gateway_url)
    assert letters[forged.event_id].headers[ORIGIN_HEADER] == user_of(intruder_url)

    broken.discard(genuine.event_id)  # the bug is fixed: replay everything
    assert dlq.replay(settings.rabbitmq_url, settings.queue_name, None) == 2
    eventually(lambda: genuine.aggregate_id in known_users(engine), timeout=10)
    eventually(lambda: consumer.refused == 2)  # the forgery is refused again
    assert forged.aggregate_id not in known_users(engine)
    eventually(lambda: set(dead_letters(settings)) == {forged.event_id})


def test_producer_must_own_the_event_type_with_one_shared_broker_user(service_settings, run_in_thread, caplog):
    """Tests and single-user set-ups run every part as one broker user (guest): the broker
    cannot tell the parts apart, but an envelope whose producer does not own its event
    type is still refused."""
    caplog.set_level(logging.ERROR, logger="crm.consumer")
    suffix = uuid.uuid4().hex[:8]
    settings = service_settings("sales").with_(service=f"shared{suffix}", exchange=f"crm.events.{suffix}",
                                               dead_letter_exchange=f"crm.dlx.{suffix}")
    assert settings.producer_users == () and not settings.runs_as_own_broker_user
    consumer = start_consumer(settings, run_in_thread)
    engine = make_engine(settings.database_url, pool_size=1)
    genuine, claimed = user_event("dave"), user_event("eve", producer="customer", role="admin")
    publish(settings.rabbitmq_url, settings, claimed)
    publish(settings.rabbitmq_url, settings, genuine)
    eventually(lambda: genuine.aggregate_id in known_users(engine))
    eventually(lambda: consumer.refused == 1)
    assert claimed.aggregate_id not in known_users(engine)
    assert set(dead_letters(settings)) == {claimed.event_id}
    assert any("does not own event type" in r.getMessage() for r in caplog.records)
    engine.dispose()


def test_a_message_slipped_into_the_dlq_does_not_become_the_consumers_own_when_replayed(
        settings, intruder_url, run_in_thread):
    """The consumer's own user may publish its own service's events. An intruder who can
    reach the DLQ (through the dead-letter exchange) drops an event of that service there
    without a user_id; the operator replays the DLQ (as the consumer's user): the event
    must not inherit the consumer's identity, it stays of unknown origin and is refused."""
    own = user_of(settings.rabbitmq_url)
    settings = settings.with_(producer_users=(*settings.producer_users, ("sales", own)))
    consumer = start_consumer(settings, run_in_thread)
    smuggled = Envelope(event_type="sales.order.placed", aggregate_type="order", aggregate_id=str(uuid.uuid4()),
                        aggregate_seq=1, data={}, producer="sales", region="cn-east")
    conn = connect(intruder_url)
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        ch.basic_publish(settings.dead_letter_exchange, settings.queue_name, smuggled.to_json(),
                         pika.BasicProperties(delivery_mode=2))
    finally:
        conn.close()
    assert set(dead_letters(settings)) == {smuggled.event_id}
    assert dlq.replay(settings.rabbitmq_url, settings.queue_name, None) == 1
    eventually(lambda: consumer.refused == 1)
    eventually(lambda: set(dead_letters(settings)) == {smuggled.event_id})  # dead-lettered again
