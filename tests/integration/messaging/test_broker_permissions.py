"""Each component's own broker user, as deploy.prepare makes it (issue 11.2): it publishes
only its own event types, reads only its own queues, declares nothing, cannot stamp
another user's user_id, and a forgery that slips in through a route it may use (the
dead-letter exchange) is refused by the consumer and dead-lettered, never applied."""

from __future__ import annotations

import json
import logging
import uuid

import pika
import pytest
import sqlalchemy as sa
from pika.exceptions import ChannelClosedByBroker

from shared.consumer import ERROR_HEADER
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events import customer as customer_events
from shared.events import gateway as gateway_events
from shared.provenance import ORIGIN_HEADER, replay_routing_key
from shared.testing.fixtures import eventually
from shared.topology import connect, dlq_name, retry_queue_name

pytestmark = pytest.mark.integration


def user_event(uid: str, name: str, producer: str = "gateway") -> Envelope:
    data = {**gateway_events._USER_SAMPLE, "id": uid, "username": name, "full_name": name}
    return Envelope(event_type="gateway.user.updated", aggregate_type="user", aggregate_id=uid, aggregate_seq=1,
                    data=data, producer=producer, region="cn-east")


def customer_event() -> Envelope:
    cid = str(uuid.uuid4())
    return Envelope(event_type="customer.customer.created", aggregate_type="customer", aggregate_id=cid,
                    aggregate_seq=1, data=dict(customer_events._CUSTOMER_SAMPLE, id=cid), producer="customer",
                    region="cn-east", customer_id=cid)


@pytest.fixture
def as_user(least_privilege):
    """as_user("customer") -> a confirming channel logged in as that component's broker user."""
    opened = []

    def channel(component: str):
        settings = least_privilege.settings(component)
        conn = connect(settings.rabbitmq_url)
        opened.append(conn)
        ch = conn.channel()
        ch.confirm_delivery()
        return settings, ch

    yield channel
    for conn in opened:
        if conn.is_open:
            conn.close()


def refused(code: int, action) -> str:
    with pytest.raises(ChannelClosedByBroker) as caught:
        action()
    assert caught.value.reply_code == code, caught.value
    return caught.value.reply_text


def test_a_service_may_publish_only_its_own_event_types(as_user):
    settings, ch = as_user("customer")
    own = customer_event()
    props = pika.BasicProperties(delivery_mode=2, user_id=settings.broker_user)
    ch.basic_publish(settings.exchange, own.routing_key, own.to_json(), props)  # confirmed

    forged = user_event(str(uuid.uuid4()), "mallory", producer="customer")
    text = refused(403, lambda: ch.basic_publish(settings.exchange, forged.routing_key, forged.to_json(), props))
    assert "gateway.user.updated.v1" in text

    gw_settings, gw = as_user("gateway")
    text = refused(403, lambda: gw.basic_publish(gw_settings.exchange, own.routing_key, own.to_json(),
                                                 pika.BasicProperties(user_id=gw_settings.broker_user)))
    assert "customer.customer.created.v1" in text


def test_a_service_cannot_stamp_another_users_user_id(as_user, least_privilege):
    settings, ch = as_user("customer")
    event = customer_event()
    text = refused(406, lambda: ch.basic_publish(settings.exchange, event.routing_key, event.to_json(),
                                                 pika.BasicProperties(user_id=least_privilege.broker_user("gateway"))))
    assert "user_id" in text


def test_a_service_reads_only_its_own_queues(as_user):
    settings, ch = as_user("customer")
    ch.basic_get(settings.queue_name, auto_ack=False)  # its own: allowed
    ch.basic_get(dlq_name(settings.queue_name), auto_ack=False)
    for queue in ("sales.events", "sales.events.dlq", "tracking.events", "billing.events.retry.1"):
        _s, ch = as_user("customer")
        assert queue in refused(403, lambda q=queue, c=ch: c.basic_get(q, auto_ack=False))
    _s, gw = as_user("gateway")
    refused(403, lambda: gw.basic_get("customer.events", auto_ack=False))


def test_a_service_cannot_route_around_its_permissions(as_user):
    """No default exchange (it reaches any queue by name), no queue or binding of its own
    making (a spy queue on '#'), no deleting the shared exchange."""
    attempts = [
        lambda ch, s: ch.basic_publish("", "sales.events", b"{}", pika.BasicProperties(user_id=s.broker_user)),
        lambda ch, s: ch.queue_declare(f"spy.{uuid.uuid4().hex[:6]}", exclusive=True),
        lambda ch, s: ch.queue_bind(s.queue_name, s.exchange, routing_key="#"),
        lambda ch, s: ch.exchange_delete(s.exchange),
        lambda ch, s: ch.exchange_declare(f"crm.other.{uuid.uuid4().hex[:6]}", exchange_type="fanout"),
    ]
    for attempt in attempts:
        settings, ch = as_user("customer")
        refused(403, lambda a=attempt, c=ch, s=settings: a(c, s))


def test_a_forgery_through_the_dead_letter_exchange_is_dead_lettered_not_applied(
        as_user, least_privilege, run_in_thread, caplog):
    """crm-customer may publish to crm.dlx (its own retries go there). It uses that to push
    a `gateway.user.updated` naming itself admin into the sales service's queue, through
    sales' retry and replay routes, even claiming the gateway in the origin header. The
    sales consumer refuses both (their user_id is crm-customer, not crm-gateway), logs them,
    and dead-letters them; the genuine gateway event next to them is applied."""
    from services.sales.bootstrap import root as sales_root

    sales = least_privilege.settings("sales")
    consumer = run_in_thread(sales_root.consumer(sales))
    engine = make_engine(sales.database_url, pool_size=1)
    caplog.set_level(logging.ERROR, logger="crm.consumer")

    settings, ch = as_user("customer")
    forged = [user_event(str(uuid.uuid4()), "mallory"), user_event(str(uuid.uuid4()), "mallory2")]
    for event in forged:
        event.data["role"] = "admin"
    props = pika.BasicProperties(delivery_mode=2, user_id=settings.broker_user,
                                 headers={ORIGIN_HEADER: least_privilege.broker_user("gateway")})
    ch.basic_publish(settings.dead_letter_exchange, replay_routing_key(sales.queue_name), forged[0].to_json(), props)
    ch.basic_publish(settings.dead_letter_exchange, retry_queue_name(sales.queue_name, 1), forged[1].to_json(), props)

    gw_settings, gw = as_user("gateway")
    genuine = user_event(str(uuid.uuid4()), "alice")
    gw.basic_publish(gw_settings.exchange, genuine.routing_key, genuine.to_json(),
                     pika.BasicProperties(delivery_mode=2, user_id=gw_settings.broker_user))

    def users() -> set[str]:
        with engine.connect() as conn:
            return {r[0] for r in conn.execute(sa.text("SELECT id FROM acl_users"))}

    eventually(lambda: genuine.aggregate_id in users(), timeout=15)
    eventually(lambda: consumer.refused == 2, timeout=15)  # the retry route waits out its TTL
    assert not {e.aggregate_id for e in forged} & users()

    _s, reader = as_user("sales")
    letters = {}
    for _ in range(2):
        method, props, body = eventually(lambda: _got(reader.basic_get(dlq_name(sales.queue_name), auto_ack=True)))
        letters[json.loads(body)["event_id"]] = props
    assert set(letters) == {e.event_id for e in forged}
    for props in letters.values():
        assert "untrusted producer" in props.headers[ERROR_HEADER]
        assert props.headers[ORIGIN_HEADER] == least_privilege.broker_user("customer")
    logged = [r.getMessage() for r in caplog.records if "refused event" in r.getMessage()]
    for event in forged:
        assert any(event.event_id in m and "untrusted producer" in m for m in logged), logged
    engine.dispose()


def _got(result):
    return result if result[0] is not None else None


def test_retries_and_dlq_replay_work_as_the_services_own_user(as_user, least_privilege, run_in_thread):
    """As crm-sales, the consumer's retries (through crm.dlx into its retry queues) and the
    DLQ tool's replay (run with its defaults: the service's own credentials) bring genuine
    gateway events back, judged by their first producer, and they are applied."""
    from shared import dlq
    from shared.consumer import Consumer, HandlerTable
    from shared.visibility import visibility_handlers

    attempts: dict[str, int] = {}
    broken: set[str] = set()

    def flaky(_conn, event, _r) -> None:
        attempts[event.event_id] = attempts.get(event.event_id, 0) + 1
        if event.data["username"].startswith("FLAKY") and attempts[event.event_id] <= 2:
            raise RuntimeError("fails on the first two attempts")
        if event.event_id in broken:
            raise RuntimeError("fails until repaired")

    table = HandlerTable()
    table.extend(visibility_handlers())
    table.add("gateway.user.#", flaky, name="test.flaky")
    sales = least_privilege.settings("sales")
    engine = make_engine(sales.database_url, pool_size=2)
    consumer = run_in_thread(Consumer(sales, engine, table))

    gw_settings, gw = as_user("gateway")
    flaky_event, broken_event = user_event(str(uuid.uuid4()), "FLAKY-bob"), user_event(str(uuid.uuid4()), "carol")
    broken.add(broken_event.event_id)
    for event in (flaky_event, broken_event):
        gw.basic_publish(gw_settings.exchange, event.routing_key, event.to_json(),
                         pika.BasicProperties(delivery_mode=2, user_id=gw_settings.broker_user))

    def known(uid: str) -> bool:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM acl_users WHERE id = :u"), {"u": uid}).scalar() == 1

    eventually(lambda: known(flaky_event.aggregate_id), timeout=15)
    assert attempts[flaky_event.event_id] >= 3  # (a batch that fails is applied again one by one)
    eventually(lambda: consumer.dead_lettered >= 1, timeout=15)
    assert not known(broken_event.aggregate_id) and consumer.refused == 0

    broken.discard(broken_event.event_id)
    with least_privilege.environment():  # as an operator would run it on the sales host
        assert dlq.main(["replay", sales.queue_name, broken_event.event_id]) == 0
    eventually(lambda: known(broken_event.aggregate_id), timeout=15)
    assert consumer.refused == 0
    engine.dispose()
