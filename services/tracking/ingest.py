"""Tracking's consumer: the shared Consumer with a faster batch path.

Tracking binds '#', so every event of the suite passes through it. The shared consumer
gives each message a savepoint and one inbox row + insert per handler; here a whole
batch is applied in one transaction with one statement for the inbox rows and one for
the stored events, while the other handlers (read models, visibility, notifications)
still run per message, in delivery order. Semantics are unchanged: an inbox row per
(event, handler) in the same transaction as the handler's writes, ack after commit. If
anything in the batch fails, the transaction is rolled back and the batch is handled
again by the shared per-message path (savepoint per message, retry / dead-letter for the
failing ones), so one bad message never holds up the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.tracking.handlers import RECORD_EVENT, customer_of, event_row
from services.tracking.models import events
from shared.consumer import Consumer, Handler, HandlerTable, Reactions
from shared.envelope import BadEnvelope, Envelope
from shared.outbox import Outbox

log = logging.getLogger("crm.tracking.ingest")

_INBOX = sa.text(
    "INSERT INTO inbox (event_id, handler) SELECT * FROM unnest(CAST(:e AS varchar[]), CAST(:h AS varchar[])) "
    "ON CONFLICT DO NOTHING RETURNING event_id, handler"
)
_STORE = pg_insert(events).on_conflict_do_nothing(index_elements=["event_id"])


class Routes:
    """handlers.for_event, memoised per event type."""

    def __init__(self, table: HandlerTable):
        self.table = table
        self._cache: dict[str, list[tuple[str, Handler]]] = {}

    def __call__(self, event_type: str) -> list[tuple[str, Handler]]:
        routes = self._cache.get(event_type)
        if routes is None:
            routes = self._cache[event_type] = self.table.for_event(event_type)
        return routes


def apply_batch(db: Connection, routes: Routes, outbox: Outbox, envelopes: Sequence[Envelope]) -> int:
    """Apply every handler once per (event, handler) not yet in the inbox; returns how many
    events were newly stored."""
    pairs = [(e.event_id, name) for e in envelopes for name, _ in routes(e.event_type)]
    if not pairs:
        return 0
    todo = {(r[0], r[1]) for r in db.execute(_INBOX, {"e": [p[0] for p in pairs], "h": [p[1] for p in pairs]})}
    rows = []
    for envelope in envelopes:
        for name, fn in routes(envelope.event_type):
            if (envelope.event_id, name) not in todo:
                continue
            todo.discard((envelope.event_id, name))
            if name == RECORD_EVENT:
                rows.append(event_row(envelope, customer_of(db, envelope)))
            else:
                fn(db, envelope, Reactions(outbox, db, envelope))
    if rows:
        db.execute(_STORE, rows)
    return len(rows)


class TrackingConsumer(Consumer):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("batch", 200)
        super().__init__(*args, **kwargs)
        self.routes = Routes(self.handlers)
        self.fallbacks = 0

    def _handle_batch(self, channel, publisher, batch) -> None:  # noqa: ANN001 - shared.consumer's signature
        parsed, bad = [], []
        for delivery in batch:
            try:
                delivery.envelope = Envelope.from_json(delivery.body)
                parsed.append(delivery)
            except BadEnvelope as exc:
                delivery.error = f"bad envelope: {exc}"
                bad.append(delivery)
        if parsed:
            try:
                with self.engine.begin() as db:
                    apply_batch(db, self.routes, self.outbox, [d.envelope for d in parsed])
            except Exception as exc:  # noqa: BLE001 - handled again message by message
                self.fallbacks += 1
                log.warning("batch of %d failed (%s); handling it message by message", len(parsed), exc)
                super()._handle_batch(channel, publisher, batch)
                return
        if parsed and not bad:
            # deliveries are handled in order on this channel, so every earlier tag is acked
            # already: one ack with multiple=True acks exactly this batch
            channel.basic_ack(max(d.tag for d in parsed), multiple=True)
        else:
            for delivery in parsed:
                channel.basic_ack(delivery.tag)
        self.processed += len(parsed)
        for delivery in bad:
            self._retry_or_dead_letter(channel, publisher, delivery)
