"""Broker topology (DESIGN.md, messaging rule 3): one durable topic exchange, a durable
queue per consuming service, a dead-letter exchange with a <queue>.dlq per queue, and
TTL queues for delayed retries.

Least privilege (issue 11.2): a component running as its own broker user may configure
only its own queues, so the exchanges are declared by deploy.prepare and the component
only checks that they exist (a passive declare needs no permission). Retries and replays
travel through the dead-letter exchange (bindings `<queue>.retry.N` and `<queue>.replay`),
never through the default exchange, which would let a user reach any queue by name."""

from __future__ import annotations

from collections.abc import Iterable

import pika
from pika.adapters.blocking_connection import BlockingChannel

from shared.config import Settings
from shared.provenance import replay_routing_key


def retry_queue_name(queue: str, attempt: int) -> str:
    return f"{queue}.retry.{attempt}"


def dlq_name(queue: str) -> str:
    return f"{queue}.dlq"


def binding_key(pattern: str) -> str:
    """A handler pattern over event types -> a routing-key pattern (routing key = type.vN)."""
    return pattern if pattern.endswith("#") else f"{pattern}.*"


def declare_exchanges(channel: BlockingChannel, settings: Settings, *, passive: bool | None = None) -> None:
    """Declare the exchanges (or, passively, check they exist: see Settings.declares_exchanges)."""
    passive = (not settings.declares_exchanges) if passive is None else passive
    channel.exchange_declare(settings.exchange, exchange_type="topic", durable=True, passive=passive)
    channel.exchange_declare(settings.dead_letter_exchange, exchange_type="direct", durable=True, passive=passive)


def declare_consumer_queue(
    channel: BlockingChannel, settings: Settings, queue: str, patterns: Iterable[str]
) -> None:
    """Declare queue, its DLQ and retry queues, and bind it to the event patterns."""
    declare_exchanges(channel, settings)
    quorum = {"x-queue-type": "quorum"} if settings.queue_type == "quorum" else {}
    channel.queue_declare(
        queue,
        durable=True,
        arguments={
            **quorum,
            "x-dead-letter-exchange": settings.dead_letter_exchange,
            "x-dead-letter-routing-key": queue,
        },
    )
    channel.queue_declare(dlq_name(queue), durable=True, arguments=dict(quorum))
    channel.queue_bind(dlq_name(queue), settings.dead_letter_exchange, routing_key=queue)
    channel.queue_bind(queue, settings.dead_letter_exchange, routing_key=replay_routing_key(queue))
    for attempt, delay in enumerate(settings.retry_delays_ms, start=1):
        channel.queue_declare(
            retry_queue_name(queue, attempt),
            durable=True,
            arguments={
                "x-message-ttl": int(delay),
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
            },
        )
        channel.queue_bind(retry_queue_name(queue, attempt), settings.dead_letter_exchange,
                           routing_key=retry_queue_name(queue, attempt))
    for pattern in sorted(set(patterns)):
        channel.queue_bind(queue, settings.exchange, routing_key=binding_key(pattern))


def connect(url: str, *, heartbeat: int = 30) -> pika.BlockingConnection:
    params = pika.URLParameters(url)
    params.heartbeat = heartbeat
    params.blocked_connection_timeout = 60
    params.connection_attempts = 1
    params.socket_timeout = 5
    return pika.BlockingConnection(params)


def declare_all(settings: Settings, consumers: dict[str, Iterable[str]]) -> None:
    """Declare the whole topology: exchanges and every consumer's queue set."""
    conn = connect(settings.rabbitmq_url)
    try:
        ch = conn.channel()
        declare_exchanges(ch, settings)
        for queue, patterns in consumers.items():
            declare_consumer_queue(ch, settings, queue, patterns)
    finally:
        conn.close()


def broker_reachable(url: str) -> bool:
    try:
        conn = connect(url, heartbeat=0)
    except Exception:
        return False
    conn.close()
    return True
