"""Broker topology (DESIGN.md, messaging rule 3): one durable topic exchange, a durable
queue per consuming service, a dead-letter exchange with a <queue>.dlq per queue, and
TTL queues for delayed retries.

Least privilege (issue 11.2): retries and DLQ replays travel through the dead-letter
exchange (bindings `<queue>.retry.N` and `<queue>.replay`), never through the default
exchange, which would let any user that may publish there reach any queue by name (and
declaring a queue that dead-letters into it needs that right too). A component running as
its own broker user declares nothing: deploy.prepare declares the exchanges, its queues
and their bindings as the administrator (from `consumer_topology`, the same description
this module declares from), and the component only checks passively that they exist
(which needs no permission)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Topology:
    """Queues (name, arguments) and bindings (exchange, queue, routing key) of consumers."""

    queues: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    bindings: list[tuple[str, str, str]] = field(default_factory=list)


def consumer_topology(settings: Settings, queue: str, patterns: Iterable[str]) -> Topology:
    """A consumer's queue, its DLQ and retry queues, and their bindings."""
    dlx = settings.dead_letter_exchange
    quorum = {"x-queue-type": "quorum"} if settings.queue_type == "quorum" else {}
    out = Topology()
    out.queues.append((queue, {**quorum, "x-dead-letter-exchange": dlx, "x-dead-letter-routing-key": queue}))
    out.queues.append((dlq_name(queue), dict(quorum)))
    out.bindings.append((dlx, dlq_name(queue), queue))
    out.bindings.append((dlx, queue, replay_routing_key(queue)))
    for attempt, delay in enumerate(settings.retry_delays_ms, start=1):
        name = retry_queue_name(queue, attempt)
        out.queues.append((name, {"x-message-ttl": int(delay), "x-dead-letter-exchange": "",
                                  "x-dead-letter-routing-key": queue}))
        out.bindings.append((dlx, name, name))
    sources = [settings.exchange] + ([settings.regions_exchange] if settings.receives_regions else [])
    for source in sources:  # head office's tracking: also every branch's events (deploy/regions.py)
        for pattern in sorted(set(patterns)):
            out.bindings.append((source, queue, binding_key(pattern)))
    return out


def declare_exchanges(channel: BlockingChannel, settings: Settings, *, passive: bool | None = None) -> None:
    """Declare the exchanges (passively, only check they exist: see Settings.declares_topology)."""
    passive = (not settings.declares_topology) if passive is None else passive
    channel.exchange_declare(settings.exchange, exchange_type="topic", durable=True, passive=passive)
    channel.exchange_declare(settings.dead_letter_exchange, exchange_type="direct", durable=True, passive=passive)
    if settings.region_links:
        channel.exchange_declare(settings.regions_exchange, exchange_type="topic", durable=True, passive=passive)


def declare_consumer_queue(
    channel: BlockingChannel, settings: Settings, queue: str, patterns: Iterable[str]
) -> None:
    """Declare queue, its DLQ and retry queues, and bind it to the event patterns; as the
    component's own broker user, only check that they exist (deploy.prepare made them)."""
    declare_exchanges(channel, settings)
    topology = consumer_topology(settings, queue, patterns)
    if not settings.declares_topology:
        for name, _arguments in topology.queues:
            channel.queue_declare(name, passive=True)
        return
    for name, arguments in topology.queues:
        channel.queue_declare(name, durable=True, arguments=arguments)
    for exchange, name, key in topology.bindings:
        channel.queue_bind(name, exchange, routing_key=key)


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


def queue_consumers(url: str, queue: str) -> int:
    """How many consumers the broker has on a queue (a passive declare: no permission
    needed beyond logging in). Raises when the broker or the queue cannot be reached."""
    conn = connect(url, heartbeat=0)
    try:
        return conn.channel().queue_declare(queue, passive=True).method.consumer_count
    finally:
        try:
            conn.close()
        except Exception:
            pass
