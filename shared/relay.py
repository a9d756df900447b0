"""Outbox relay (DESIGN.md, messaging rule 1).

Claims pending outbox rows with FOR UPDATE SKIP LOCKED, publishes them persistently
with publisher confirms kept in flight in a window, and marks them sent only after the
broker confirmed the whole batch, in the same transaction that held the row locks.
Wakes on LISTEN/NOTIFY (with a slow poll as safety net); several replicas can run at
once without sending a row twice in normal operation. If the broker or the process
dies mid-batch, the transaction rolls back and the rows are sent again (consumers
dedupe by event id), so nothing is lost.

A batch the broker refused (a nack) is rolled back and sent again after a pause that
doubles with each refusal in a row (REFUSAL_BACKOFF up to max_backoff), never in a tight
loop.

Every message carries the AMQP `user_id` of the relay's broker user: RabbitMQ refuses a
user_id that is not the connection's own, so consumers can trust it (shared.provenance).
"""

from __future__ import annotations

import logging
import random
import threading
import time

import pika
import psycopg
import sqlalchemy as sa
from pika.spec import Basic
from sqlalchemy.engine import Connection, Engine, make_url

from shared import metrics
from shared.config import Settings, url_user
from shared.db import application_name
from shared.outbox import NOTIFY_CHANNEL

log = logging.getLogger("crm.relay")

CLAIM_SQL = sa.text(
    "SELECT id, routing_key, payload::text AS body, "
    "EXTRACT(EPOCH FROM clock_timestamp() - created_at)::float8 AS age FROM outbox "
    "WHERE sent_at IS NULL ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"
)
# The backlog for metrics: rows not yet sent (counted up to a million) and the oldest one's age.
BACKLOG_SQL = sa.text(
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1000000) p) AS pending, "
    "(SELECT EXTRACT(EPOCH FROM clock_timestamp() - created_at)::float8 FROM outbox "
    " WHERE sent_at IS NULL ORDER BY id LIMIT 1) AS oldest"
)
BACKLOG_PROBE_S = 5.0
MARK_SENT_SQL = sa.text("UPDATE outbox SET sent_at = now() WHERE id = ANY(:ids)")
REFUSAL_BACKOFF = 1.0  # seconds before resending a refused batch; doubles per refusal in a row
PURGE_SQL = sa.text(
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at < now() - make_interval(days => :days) LIMIT 5000)"
)


def refusal_delay(refusals: int, max_backoff: float) -> float:
    """Seconds to wait before resending after `refusals` refused batches in a row (0: none)."""
    if refusals <= 0:
        return 0.0
    return min(max_backoff, REFUSAL_BACKOFF * 2 ** min(refusals - 1, 16))


def _libpq_dsn(url: str) -> str:
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


class Relay:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        batch: int | None = None,
        window: int | None = None,
        idle_poll: float = 0.5,
        max_backoff: float = 30.0,
        rabbitmq_url: str | None = None,
        work_queries: tuple[metrics.WorkQuery, ...] = (),
    ):
        self.settings = settings
        self.engine = engine
        self.batch_size = batch or settings.relay_batch
        self.window = window or settings.relay_window
        self.idle_poll = idle_poll
        self.max_backoff = max_backoff
        self.rabbitmq_url = rabbitmq_url or settings.rabbitmq_url
        self.user_id = url_user(self.rabbitmq_url)
        self.published = 0  # rows confirmed and marked sent by this relay
        self.service = settings.service
        self.work_queries = work_queries  # probed with the backlog (shared.metrics.WorkQuery)
        self.refusals = 0  # batches the broker refused in a row (back-off grows with it)
        self._retry_timer = None  # the pending resend after a refusal
        self._stop = threading.Event()
        self._conn: pika.SelectConnection | None = None
        self._channel = None
        self._listen: psycopg.Connection | None = None
        self._reset_batch()

    # ---- lifecycle -------------------------------------------------------
    def run(self) -> None:
        """Run until stop() is called, reconnecting with back-off."""
        threading.Thread(target=self._probe_backlog, name="outbox-probe", daemon=True).start()
        backoff = 0.2
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._run_connection()
            except Exception:  # log and reconnect, never die silently
                log.exception("relay connection failed")
            finally:
                self._abort_batch()
                self._close_listen()
            if self._stop.is_set():
                break
            if time.monotonic() - started > 10:
                backoff = 0.2
            delay = min(self.max_backoff, backoff) * (0.8 + 0.4 * random.random())
            log.warning("relay reconnecting in %.1fs", delay)
            self._stop.wait(delay)
            backoff = min(self.max_backoff, backoff * 2)

    def stop(self) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None:
            try:
                conn.ioloop.add_callback_threadsafe(self._shutdown)
            except Exception:
                pass

    def _shutdown(self) -> None:
        if self._conn is not None and self._conn.is_open and self._batch is None:
            self._conn.close()
        # with a batch in flight, _finish_batch closes after the confirms arrive

    def _probe_backlog(self) -> None:
        """Every BACKLOG_PROBE_S, the outbox rows pending and the oldest one's age, and the
        service's pending work (work_queries), for metrics: from a thread of its own, so the
        figures go on while the broker is away."""
        while not self._stop.is_set():
            try:
                with self.engine.connect() as conn:
                    row = conn.execute(BACKLOG_SQL).one()
                    work = [(q.work, conn.execute(sa.text(q.sql)).one()) for q in self.work_queries]
                metrics.OUTBOX_PENDING.labels(self.service).set(row.pending)
                metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(row.oldest or 0.0)
                for name, (count, oldest) in work:
                    metrics.WORK_PENDING.labels(self.service, name).set(count or 0)
                    metrics.WORK_OLDEST_AGE.labels(self.service, name).set(oldest or 0.0)
            except Exception:  # noqa: BLE001 - a probe never stops the relay
                metrics.OUTBOX_PROBE_ERRORS.labels(self.service).inc()
                log.warning("outbox backlog probe failed", exc_info=True)
            self._stop.wait(BACKLOG_PROBE_S)

    # ---- connection ----------------------------------------------------------
    def _run_connection(self) -> None:
        params = pika.URLParameters(self.rabbitmq_url)
        params.heartbeat = 30
        params.connection_attempts = 1
        params.socket_timeout = 5
        self._conn = pika.SelectConnection(
            params,
            on_open_callback=self._on_open,
            on_open_error_callback=lambda _c, err: self._on_fail(f"open failed: {err}"),
            on_close_callback=lambda _c, reason: self._on_fail(f"closed: {reason}"),
        )
        self._conn.ioloop.start()
        self._conn = None

    def _on_fail(self, why: str) -> None:
        if not self._stop.is_set():
            log.warning("relay broker connection %s", why)
        if self._conn is not None:
            self._conn.ioloop.stop()

    def _on_open(self, conn: pika.SelectConnection) -> None:
        conn.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(lambda _ch, reason: self._on_channel_closed(reason))
        channel.confirm_delivery(self._on_confirm)
        self._delivery_tag = 0
        # as its own broker user a component may only check that the exchange exists
        channel.exchange_declare(
            self.settings.exchange, exchange_type="topic", durable=True,
            passive=not self.settings.declares_topology,
            callback=lambda _f: self._start_pumping(),
        )

    def _on_channel_closed(self, reason) -> None:
        log.warning("relay channel closed: %s", reason)
        if self._conn is not None and self._conn.is_open:
            self._conn.close()

    def _start_pumping(self) -> None:
        self._retry_timer = None
        self._open_listen()
        self._pump()
        self._schedule_purge()

    # ---- LISTEN/NOTIFY wake-up -----------------------------------------------
    def _open_listen(self) -> None:
        try:
            # a direct session (not through PgBouncer): LISTEN outlives any transaction
            self._listen = psycopg.connect(_libpq_dsn(self.settings.direct_database_url), autocommit=True,
                                           application_name=application_name("relay"))
            self._listen.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self._conn.ioloop.add_handler(self._listen.fileno(), self._on_notify, self._conn.ioloop.READ)
        except Exception:  # polling still works
            log.exception("LISTEN unavailable, polling only")
            self._close_listen()

    def _close_listen(self) -> None:
        if self._listen is not None:
            try:
                if self._conn is not None:
                    self._conn.ioloop.remove_handler(self._listen.fileno())
            except Exception:
                pass
            try:
                self._listen.close()
            except Exception:
                pass
            self._listen = None

    def _on_notify(self, _fd, _events) -> None:
        try:
            for _ in self._listen.notifies(timeout=0):
                pass
        except Exception:
            log.exception("LISTEN connection broke; polling only")
            self._close_listen()
        if self._batch is None and self._retry_timer is None and not self._stop.is_set():
            self._cancel_idle_timer()
            self._pump()

    # ---- batches ---------------------------------------------------------------
    def _reset_batch(self) -> None:
        self._batch: list[tuple[int, str, str]] | None = None
        self._ages: list[float] = []
        self._claimed_at = 0.0
        self._db: Connection | None = None
        self._tx = None
        self._next = 0
        self._outstanding: set[int] = set()
        self._nacked = False
        self._idle_timer = None

    def _cancel_idle_timer(self) -> None:
        if self._idle_timer is not None and self._conn is not None:
            self._conn.ioloop.remove_timeout(self._idle_timer)
        self._idle_timer = None

    def _pump(self) -> None:
        self._retry_timer = None
        if self._stop.is_set():
            self._shutdown()
            return
        if self._batch is None:
            try:
                self._claim()
            except Exception:  # database trouble: wait and try again
                log.exception("relay could not claim outbox rows")
                self._abort_batch()
                self._idle_timer = self._conn.ioloop.call_later(1.0, self._pump)
                return
            if not self._batch:
                self._abort_batch()
                self._idle_timer = self._conn.ioloop.call_later(self.idle_poll, self._pump)
                return
        props = pika.BasicProperties(
            delivery_mode=2, content_type="application/json", content_encoding="utf-8", user_id=self.user_id
        )
        while self._next < len(self._batch) and len(self._outstanding) < self.window:
            _row_id, routing_key, body = self._batch[self._next]
            self._channel.basic_publish(self.settings.exchange, routing_key, body.encode("utf-8"), props)
            self._delivery_tag += 1
            self._outstanding.add(self._delivery_tag)
            self._next += 1

    def _claim(self) -> None:
        self._db = self.engine.connect()
        self._tx = self._db.begin()
        self._claimed_at = time.monotonic()
        rows = self._db.execute(CLAIM_SQL, {"n": self.batch_size}).all()
        self._batch = [(r.id, r.routing_key, r.body) for r in rows]
        self._ages = [float(r.age or 0.0) for r in rows]
        self._next = 0
        self._outstanding = set()
        self._nacked = False

    def _on_confirm(self, frame) -> None:
        method = frame.method
        if isinstance(method, Basic.Nack):
            self._nacked = True
        if method.multiple:
            self._outstanding = {t for t in self._outstanding if t > method.delivery_tag}
        else:
            self._outstanding.discard(method.delivery_tag)
        if self._batch is None:
            return
        if self._next >= len(self._batch) and not self._outstanding:
            self._finish_batch()
        else:
            self._pump()

    def _finish_batch(self) -> None:
        batch = self._batch or []
        refused = self._nacked  # read before _abort_batch resets it
        try:
            if refused:
                self._tx.rollback()
                metrics.RELAY_NACKED.labels(self.service).inc()
            else:
                self._db.execute(MARK_SENT_SQL, {"ids": [row[0] for row in batch]})
                self._tx.commit()
                self.published += len(batch)
                self._record_batch(len(batch))
        except Exception:  # rows stay pending and are sent again
            log.exception("relay could not mark a batch sent")
        finally:
            self._abort_batch()
        self.refusals = self.refusals + 1 if refused else 0
        delay = refusal_delay(self.refusals, self.max_backoff)
        if refused:
            log.warning("broker refused part of a batch of %d; resending in %.1fs", len(batch), delay)
        if self._stop.is_set():
            self._shutdown()
        else:
            # the next batch: a NOTIFY meanwhile does not cut a refusal's pause short (_on_notify)
            self._retry_timer = self._conn.ioloop.call_later(delay, self._pump)

    def _record_batch(self, size: int) -> None:
        took = time.monotonic() - self._claimed_at
        metrics.RELAY_PUBLISHED.labels(self.service).inc(size)
        metrics.RELAY_BATCH_SECONDS.labels(self.service).observe(took)
        delay = metrics.RELAY_PUBLISH_DELAY.labels(self.service)
        for age in self._ages:
            delay.observe(age + took)

    def _abort_batch(self) -> None:
        if self._tx is not None:
            try:
                if self._tx.is_active:
                    self._tx.rollback()
            except Exception:
                pass
        if self._db is not None:
            try:
                self._db.close()
            except Exception:
                pass
        self._cancel_idle_timer()
        self._reset_batch()

    # ---- housekeeping ------------------------------------------------------------
    def _schedule_purge(self) -> None:
        def purge() -> None:
            if self._db is not None:  # a batch holds the relay's one pooled connection: later
                if self._conn is not None and not self._stop.is_set():
                    self._conn.ioloop.call_later(1.0, purge)
                return
            try:
                with self.engine.begin() as conn:
                    conn.execute(PURGE_SQL, {"days": 7})
            except Exception:
                log.exception("outbox purge failed")
            if self._conn is not None and not self._stop.is_set():
                self._conn.ioloop.call_later(3600, purge)

        self._conn.ioloop.call_later(60, purge)
