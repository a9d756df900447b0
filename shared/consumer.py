"""Consumer runner (DESIGN.md, messaging rule 4).

Manual acks after the handler's transaction commits; bounded prefetch; an inbox row per
(event id, handler) written in the same transaction so a redelivered event is a no-op;
a failing handler is retried through TTL queues with back-off and then dead-lettered,
while the messages behind it go on being processed. Messages are handled in batches:
one database transaction, one savepoint per message, so a failure touches only its own
message. An event whose producer is not trusted for its type (shared.provenance: the
envelope's producer, the broker-validated user_id) is dead-lettered at once and logged,
never applied.

A batch that hit a deadlock or a serialization failure is applied again whole
(TRANSIENT_ATTEMPTS) before it falls back to one savepoint per message. A service whose
handlers lock rows can register a prelude (HandlerTable.add_prelude) that takes every lock
the batch will need, in the service's one lock order, before any handler runs: a batch
then holds its locks until commit without ever waiting in another order than a replica's.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pika
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared import metrics
from shared.config import Settings
from shared.envelope import BadEnvelope, Envelope
from shared.logs import log_context
from shared.outbox import EventContext, Outbox
from shared.provenance import ORIGIN_HEADER, ProducerTrust
from shared.topology import connect, declare_consumer_queue, dlq_name, retry_queue_name

log = logging.getLogger("crm.consumer")
event_log = logging.getLogger("crm.consumer.events")  # one INFO line per settled message
# how often a consumer asks the broker for its queue's and DLQ's depth (metrics)
QUEUE_PROBE_S = float(os.environ.get("CRM_QUEUE_PROBE_S", "15"))

ATTEMPT_HEADER = "x-crm-attempt"
ERROR_HEADER = "x-crm-error"
# a batch aborted by a deadlock or serialization failure is applied this many times in all
TRANSIENT_ATTEMPTS = 3
_TRANSIENT_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure


class Reactions:
    """What a handler may do besides writing its own tables: emit follow-up events
    through the outbox, in the handler's transaction, caused by the incoming event."""

    def __init__(self, outbox: Outbox, conn: Connection, cause: Envelope):
        self._outbox = outbox
        self._conn = conn
        self.cause = cause

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    @property
    def context(self) -> EventContext:
        """The context of events caused by this one (actor, correlation, causation)."""
        return EventContext.caused_by(self.cause)

    def emit(
        self,
        event_type: str,
        *,
        aggregate_type: str,
        aggregate_id: str,
        data: dict[str, Any],
        customer_id: str | None = None,
    ) -> Envelope:
        return self._outbox.add(
            self._conn, EventContext.caused_by(self.cause), event_type,
            aggregate_type=aggregate_type, aggregate_id=aggregate_id, data=data, customer_id=customer_id,
        )


Handler = Callable[[Connection, Envelope, Reactions], None]


def topic_match(pattern: str, event_type: str) -> bool:
    """AMQP topic matching of a pattern ('customer.customer.*', 'sales.#', '#') on an event type."""
    p, w = pattern.split("."), event_type.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(w)
        if p[i] == "#":
            return any(match(i + 1, k) for k in range(j, len(w) + 1))
        if j == len(w):
            return False
        return (p[i] == "*" or p[i] == w[j]) and match(i + 1, j + 1)

    return match(0, 0)


BatchHandler = Callable[[Connection, list[Envelope]], None]
Prelude = Callable[[Connection, list[Envelope]], None]


def is_transient(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction may simply be run again."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in _TRANSIENT_SQLSTATES


@dataclass
class HandlerTable:
    """Handlers as plain functions, registered in one table per service.

    A handler takes one event: fn(conn, envelope, reactions). A batch handler takes every
    new event of a delivered batch that it matches, in delivery order: fn(conn, envelopes)
    (for bulk writes such as tracking's event store); it runs after the per-event handlers
    of the same batch. Both are deduplicated by the inbox per (event, handler name).

    A prelude, fn(conn, envelopes), runs before any handler with the batch's events that
    are new to at least one handler: it takes the row locks the batch's handlers will take,
    in one global order, so that replicas whose batches overlap queue up instead of
    deadlocking (the handlers lock again, which costs nothing then)."""

    entries: list[tuple[str, str, Handler]] = field(default_factory=list)
    batch_entries: list[tuple[str, str, BatchHandler]] = field(default_factory=list)
    preludes: list[Prelude] = field(default_factory=list)
    _cache: dict[str, tuple[list[tuple[str, Handler]], list[tuple[str, BatchHandler]]]] = field(
        default_factory=dict, repr=False)

    def add(self, pattern: str, handler: Handler, name: str | None = None) -> None:
        self.entries.append((pattern, name or f"{handler.__module__}.{handler.__qualname__}", handler))
        self._cache.clear()

    def add_batch(self, pattern: str, handler: BatchHandler, name: str | None = None) -> None:
        self.batch_entries.append((pattern, name or f"{handler.__module__}.{handler.__qualname__}", handler))
        self._cache.clear()

    def add_prelude(self, prelude: Prelude) -> None:
        self.preludes.append(prelude)

    def run_preludes(self, conn: Connection, envelopes: list[Envelope]) -> None:
        if envelopes:
            for prelude in self.preludes:
                prelude(conn, envelopes)

    def extend(self, other: HandlerTable) -> None:
        self.entries.extend(other.entries)
        self.batch_entries.extend(other.batch_entries)
        self.preludes.extend(other.preludes)
        self._cache.clear()

    def _resolve(self, event_type: str):
        cached = self._cache.get(event_type)
        if cached is None:
            cached = (_matching(self.entries, event_type), _matching(self.batch_entries, event_type))
            self._cache[event_type] = cached
        return cached

    def for_event(self, event_type: str) -> list[tuple[str, Handler]]:
        return self._resolve(event_type)[0]

    def batch_for_event(self, event_type: str) -> list[tuple[str, BatchHandler]]:
        return self._resolve(event_type)[1]

    @property
    def patterns(self) -> list[str]:
        return sorted({p for p, _, _ in self.entries} | {p for p, _, _ in self.batch_entries})


def _matching(entries, event_type: str) -> list:
    seen: set[str] = set()
    out = []
    for pattern, name, fn in entries:
        if name not in seen and topic_match(pattern, event_type):
            seen.add(name)
            out.append((name, fn))
    return out


def mark_processed(conn: Connection, event_id: str, handler: str) -> bool:
    """Record (event, handler) in the inbox. False when it was processed already."""
    row = conn.execute(
        sa.text(
            "INSERT INTO inbox (event_id, handler) VALUES (:e, :h) ON CONFLICT DO NOTHING RETURNING 1"
        ),
        {"e": event_id, "h": handler},
    ).first()
    return row is not None


_CLAIM_SQL = sa.text(
    "INSERT INTO inbox (event_id, handler) "
    "SELECT * FROM unnest(CAST(:e AS varchar[]), CAST(:h AS varchar[])) "
    "ON CONFLICT DO NOTHING RETURNING event_id, handler"
)


def claim(conn: Connection, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Record (event id, handler) pairs in the inbox in one statement; returns the pairs
    that were not processed before (a pair given twice is returned once)."""
    if not pairs:
        return set()
    rows = conn.execute(_CLAIM_SQL, {"e": [p[0] for p in pairs], "h": [p[1] for p in pairs]})
    return {(r[0], r[1]) for r in rows}


def newer_than_applied(conn: Connection, projection: str, aggregate_id: str, seq: int) -> bool:
    """The per-aggregate sequence guard: True (and records seq) when seq is newer than the
    last one applied to this projection for this aggregate; False for a stale event."""
    row = conn.execute(
        sa.text(
            "INSERT INTO projection_versions (projection, aggregate_id, last_seq) VALUES (:p, :a, :s) "
            "ON CONFLICT (projection, aggregate_id) DO UPDATE SET last_seq = EXCLUDED.last_seq "
            "WHERE projection_versions.last_seq < EXCLUDED.last_seq RETURNING 1"
        ),
        {"p": projection, "a": str(aggregate_id), "s": int(seq)},
    ).first()
    return row is not None


@dataclass
class _Delivery:
    tag: int
    properties: pika.BasicProperties
    body: bytes
    exchange: str = ""
    routing_key: str = ""
    envelope: Envelope | None = None
    error: str | None = None
    origin: str | None = None  # the broker user that first published it (shared.provenance)
    permanent: bool = False  # dead-letter at once: retrying cannot help
    received: float = 0.0  # time.monotonic() when it arrived (metrics: receive-to-settle time)


class Consumer:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        handlers: HandlerTable,
        *,
        queue: str | None = None,
        outbox: Outbox | None = None,
        batch: int = 100,
        max_backoff: float = 30.0,
        trust: ProducerTrust | None = None,
    ):
        self.settings = settings
        self.engine = engine
        self.handlers = handlers
        self.queue = queue or settings.queue_name
        self.trust = trust or ProducerTrust.from_settings(settings, self.queue)
        self.outbox = outbox or Outbox(settings.service, settings.region)
        self.batch = batch
        self.max_backoff = max_backoff
        self.processed = 0  # messages acked after success (including no-op redeliveries)
        self.dead_lettered = 0
        self.refused = 0  # events dead-lettered because their producer is not trusted for them
        self.fallbacks = 0  # batches that were applied again message by message after a failure
        self._stop = threading.Event()
        self._pending: list[_Delivery] = []
        self._next_probe = 0.0

    def stop(self) -> None:
        self._stop.set()

    def declare(self, channel) -> None:
        declare_consumer_queue(channel, self.settings, self.queue, self.handlers.patterns)

    def run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._run_connection()
            except Exception:  # reconnect with back-off
                log.exception("consumer connection failed")
            if self._stop.is_set():
                break
            if time.monotonic() - started > 10:
                backoff = 0.2
            self._stop.wait(min(self.max_backoff, backoff) * (0.8 + 0.4 * random.random()))
            backoff = min(self.max_backoff, backoff * 2)

    def _run_connection(self) -> None:
        conn = connect(self.settings.rabbitmq_url)
        try:
            channel = conn.channel()
            self.declare(channel)
            publisher = conn.channel()
            publisher.confirm_delivery()
            channel.basic_qos(prefetch_count=self.settings.prefetch)
            self._pending = []
            channel.basic_consume(self.queue, self._on_message, auto_ack=False)
            probe = None
            self._next_probe = 0.0
            while not self._stop.is_set():
                probe = self._probe_queues(conn, probe)
                conn.process_data_events(time_limit=0.5)
                if not self._pending:
                    continue
                if len(self._pending) < self.batch:
                    conn.process_data_events(time_limit=0)
                batch, self._pending = self._pending[: self.batch], self._pending[self.batch :]
                self._handle_batch(channel, publisher, batch)
        finally:
            self._pending = []
            try:
                conn.close()
            except Exception:
                pass

    def _on_message(self, _channel, method, properties, body) -> None:
        self._pending.append(_Delivery(method.delivery_tag, properties, body, method.exchange or "",
                                       method.routing_key or "", received=time.monotonic()))

    def _probe_queues(self, conn, channel):
        """Every QUEUE_PROBE_S: the depth of this consumer's queue and DLQ and the number of
        consumers on the queue, for metrics (a passive declare: no permission needed). Returns
        the channel to use next time (None after a failure: a new one is opened)."""
        now = time.monotonic()
        if now < self._next_probe:
            return channel
        self._next_probe = now + QUEUE_PROBE_S
        try:
            if channel is None or not channel.is_open:
                channel = conn.channel()
            main = channel.queue_declare(self.queue, passive=True).method
            metrics.QUEUE_MESSAGES.labels(self.queue, "queue").set(main.message_count)
            metrics.QUEUE_CONSUMERS.labels(self.queue).set(main.consumer_count)
            dead = channel.queue_declare(dlq_name(self.queue), passive=True).method
            metrics.QUEUE_MESSAGES.labels(self.queue, "dlq").set(dead.message_count)
        except pika.exceptions.ChannelClosed as exc:  # e.g. a queue missing: the probe only
            log.warning("queue probe failed: %s", exc)
            return None
        return channel

    def _settled(self, delivery: _Delivery, outcome: str) -> None:
        """Metrics and one log line for a settled message (handled, retried, dead_lettered)."""
        env = delivery.envelope
        event_type = env.event_type if env is not None else "<invalid>"
        metrics.consumer_settled(self.settings.service, self.queue, event_type, outcome, delivery.received,
                                 env.occurred_at if env is not None else None)
        level = logging.INFO if outcome == "handled" else logging.WARNING
        if not event_log.isEnabledFor(level):
            return
        fields = {"outcome": outcome, "queue": self.queue, "event_type": event_type}
        if env is not None:
            fields.update(event_id=env.event_id, correlation_id=env.correlation_id or env.event_id,
                          user_id=env.actor_id, causation_id=env.causation_id,
                          aggregate_type=env.aggregate_type, aggregate_id=env.aggregate_id,
                          aggregate_seq=env.aggregate_seq, producer=env.producer)
        if delivery.received:
            fields["duration_ms"] = round((time.monotonic() - delivery.received) * 1000, 2)
        if delivery.error and outcome != "handled":
            fields["error"] = delivery.error
        event_log.log(level, "%s %s", outcome, event_type,
                      extra={k: v for k, v in fields.items() if v is not None})

    def _check_producer(self, delivery: _Delivery) -> None:
        """Refuse (for good) an event whose producer is not trusted for its type."""
        props = delivery.properties
        delivery.origin = self.trust.origin_user(delivery.exchange, delivery.routing_key, props.user_id,
                                                 props.headers)
        why = self.trust.refusal(delivery.envelope, delivery.origin)
        if why:
            delivery.error = why
            delivery.permanent = True
            self.refused += 1
            log.error("refused event %s (%s) on %s: %s", delivery.envelope.event_id,
                      delivery.envelope.event_type, self.queue, why)

    # ---- one batch: one transaction ---------------------------------------------------
    def _handle_batch(self, channel, publisher, batch: list[_Delivery]) -> None:
        """Apply a batch in one transaction. The fast path runs without savepoints; when a
        handler fails, the transaction is rolled back and the batch is applied again with a
        savepoint per message, so only the failing message is retried."""
        for delivery in batch:
            try:
                delivery.envelope = Envelope.from_json(delivery.body)
            except BadEnvelope as exc:
                delivery.error = f"bad envelope: {exc}"
                delivery.permanent = True
            else:
                self._check_producer(delivery)
        good = [d for d in batch if not d.permanent]
        failed = [d for d in batch if d.permanent]
        if not self._apply_whole(good):  # find the failing message(s) one by one
            self.fallbacks += 1
            metrics.CONSUMER_FALLBACKS.labels(self.settings.service, self.queue).inc()
            good, more_failed = self._apply_isolated(good)
            failed += more_failed
        if good and not failed:
            # deliveries arrive in tag order and every earlier one is settled already:
            # one ack with multiple=True settles exactly this batch
            channel.basic_ack(max(d.tag for d in good), multiple=True)
        else:
            for delivery in good:
                channel.basic_ack(delivery.tag)
        self.processed += len(good)
        for delivery in good:
            self._settled(delivery, "handled")
        for delivery in failed:
            self._retry_or_dead_letter(channel, publisher, delivery)

    def _apply_whole(self, batch: list[_Delivery]) -> bool:
        """Apply the batch in one transaction, again after a deadlock or serialization
        failure (TRANSIENT_ATTEMPTS in all); False when it failed otherwise or every time."""
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                with self.engine.connect() as db, db.begin():
                    apply_events(db, self.handlers, self.outbox, [d.envelope for d in batch])
                return True
            except Exception as exc:
                if not is_transient(exc) or attempt == TRANSIENT_ATTEMPTS:
                    return False
                log.warning("batch of %d aborted (%s), applying it again", len(batch), str(exc).splitlines()[0])
                self._stop.wait(0.01 * attempt * (0.5 + random.random()))
        return False

    def _apply_isolated(self, batch: list[_Delivery]) -> tuple[list[_Delivery], list[_Delivery]]:
        succeeded: list[_Delivery] = []
        failed: list[_Delivery] = []
        with self.engine.connect() as db, db.begin():
            if self.handlers.preludes:  # the batch's locks first, in their order; best effort
                savepoint = db.begin_nested()
                try:
                    self.handlers.run_preludes(db, [d.envelope for d in batch])
                    savepoint.commit()
                except Exception as exc:  # the handlers still lock what they write
                    savepoint.rollback()
                    log.warning("prelude failed for an isolated batch: %s", str(exc).splitlines()[0])
            for delivery in batch:
                savepoint = db.begin_nested()
                try:
                    apply_events(db, self.handlers, self.outbox, [delivery.envelope], prelude=False)
                    savepoint.commit()
                    succeeded.append(delivery)
                except Exception as exc:  # the message is retried, not lost
                    savepoint.rollback()
                    delivery.error = f"{type(exc).__name__}: {exc}"[:1000]
                    log.warning("handler failed for %s: %s", delivery.envelope.event_type, delivery.error)
                    failed.append(delivery)
        return succeeded, failed

    def _retry_or_dead_letter(self, channel, publisher, delivery: _Delivery) -> None:
        """Send a failed message to its next retry queue or to the DLQ, then ack it. Both go
        through the dead-letter exchange as this consumer's own user (no publishing through
        the default exchange, which would reach any queue); the original publisher travels
        in the origin header (shared.provenance). mandatory: a missing binding raises instead
        of losing the message (it is then redelivered after the reconnect)."""
        headers = dict(delivery.properties.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER, 0)) + 1
        headers[ATTEMPT_HEADER] = attempt
        headers[ERROR_HEADER] = delivery.error or ""
        headers[ORIGIN_HEADER] = delivery.origin or ""  # "": unknown publisher
        props = pika.BasicProperties(
            delivery_mode=2,
            content_type=delivery.properties.content_type,
            headers=headers,
            user_id=self.settings.broker_user,
        )
        dlx = self.settings.dead_letter_exchange
        delays = self.settings.retry_delays_ms
        if not delivery.permanent and attempt <= len(delays):
            publisher.basic_publish(dlx, retry_queue_name(self.queue, attempt), delivery.body, props, mandatory=True)
            outcome = "retried"
        else:
            headers["x-crm-queue"] = self.queue
            headers["x-crm-failed-at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            publisher.basic_publish(dlx, self.queue, delivery.body, props, mandatory=True)
            self.dead_lettered += 1
            outcome = "dead_lettered"
            log.error("dead-lettered message after %d attempts: %s", attempt, delivery.error)
        channel.basic_ack(delivery.tag)
        self._settled(delivery, outcome)


def apply_events(db: Connection, handlers: HandlerTable, outbox: Outbox, envelopes: list[Envelope], *,
                 prelude: bool = True) -> None:
    """Apply events in the caller's transaction: one inbox statement for all of them, the
    preludes with the new events (unless prelude=False: the caller ran them), then each
    event's handlers in order, then the batch handlers with the new events."""
    pairs = []
    for env in envelopes:
        pairs += [(env.event_id, name) for name, _ in handlers.for_event(env.event_type)]
        pairs += [(env.event_id, name) for name, _ in handlers.batch_for_event(env.event_type)]
    fresh = claim(db, pairs)
    if prelude and handlers.preludes:
        new_ids = {event_id for event_id, _ in fresh}
        handlers.run_preludes(db, [env for env in envelopes if env.event_id in new_ids])
    batches: dict[str, tuple[BatchHandler, list[Envelope]]] = {}
    for env in envelopes:
        for name, handler in handlers.for_event(env.event_type):
            if (env.event_id, name) in fresh:
                fresh.discard((env.event_id, name))
                with log_context(event_id=env.event_id, event_type=env.event_type, user_id=env.actor_id,
                                 correlation_id=env.correlation_id or env.event_id):
                    handler(db, env, Reactions(outbox, db, env))
        for name, handler in handlers.batch_for_event(env.event_type):
            if (env.event_id, name) in fresh:
                fresh.discard((env.event_id, name))
                batches.setdefault(name, (handler, []))[1].append(env)
    for handler, batch in batches.values():
        handler(db, batch)


def run_handlers_directly(
    engine: Engine, handlers: HandlerTable, outbox: Outbox, envelopes: Iterable[Envelope]
) -> None:
    """Apply events without a broker (unit tests, rebuilds): same inbox as the consumer."""
    with engine.begin() as db:
        apply_events(db, handlers, outbox, list(envelopes))
