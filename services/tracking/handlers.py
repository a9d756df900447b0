"""Tracking's event handlers: store every event exactly once (unknown types too), keep
the read models and the visibility copies, and raise notifications."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.tracking.domain.periods import parse_event_time
from services.tracking.models import events
from services.tracking.notify import notification_handlers
from services.tracking.projections import projection_handlers
from services.tracking.summaries import summarize
from services.tracking.webhooks.enqueue import ENQUEUE, enqueue_deliveries
from shared.consumer import HandlerTable, Reactions
from shared.envelope import Envelope
from shared.merges import Moved, merge_handlers
from shared.visibility import visibility_handlers

INSERT_EVENT = sa.text(
    "INSERT INTO events (event_id, event_type, version, service, occurred_at, region, customer_id, actor_id, "
    "aggregate_type, aggregate_id, aggregate_seq, correlation_id, causation_id, summary, summary_zh, data) "
    "VALUES (:event_id, :event_type, :version, :service, :occurred_at, :region, :customer_id, :actor_id, "
    ":aggregate_type, :aggregate_id, :aggregate_seq, :correlation_id, :causation_id, :summary, :summary_zh, "
    "CAST(:data AS jsonb)) ON CONFLICT (event_id) DO NOTHING"
)


def _clip(value: object, n: int) -> str | None:
    return None if value in (None, "") else str(value)[:n]


def _uuid_or_none(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def event_row(event: Envelope, customer_id: str | None) -> dict:
    """The stored row; over-long envelope fields are clipped so that no event is refused."""
    en, zh = summarize(event)
    return {
        "event_id": event.event_id, "event_type": event.event_type[:120], "version": event.version,
        "service": event.service[:40], "occurred_at": parse_event_time(None, event.occurred_at),
        "region": _clip(event.region, 40), "customer_id": _uuid_or_none(customer_id),
        "actor_id": _clip(event.actor_id, 36), "aggregate_type": event.aggregate_type[:60],
        "aggregate_id": event.aggregate_id[:64], "aggregate_seq": event.aggregate_seq,
        "correlation_id": _clip(event.correlation_id, 64), "causation_id": _clip(event.causation_id, 36),
        "summary": en, "summary_zh": zh, "data": event.data,
    }


RECORD_EVENT = "tracking.record_event"
_STORE = pg_insert(events).on_conflict_do_nothing(index_elements=["event_id"])
_ORDER_CUSTOMER = sa.text("SELECT customer_id FROM rm_orders WHERE order_id = :o")


def customer_of(conn: Connection | None, event: Envelope) -> str | None:
    """The customer an event is about: the envelope's, else what the payload names (a
    customer's own events, a payload customer_id, the customer of the order it is about)."""
    if event.customer_id:
        return event.customer_id
    if event.event_type.startswith("customer.customer."):
        return event.aggregate_id
    data = event.data or {}
    value = data.get("customer_id")
    if isinstance(value, str) and value:
        return value
    order_id = data.get("order_id")
    if conn is not None and isinstance(order_id, str) and order_id:
        return conn.execute(_ORDER_CUSTOMER, {"o": order_id}).scalar()
    return None


def record_events(conn: Connection, envelopes: list[Envelope]) -> None:
    """The event store, written in bulk: one statement per delivered batch."""
    rows = [event_row(e, customer_of(conn, e)) for e in envelopes]
    if rows:
        conn.execute(_STORE, rows)


def record_event(conn: Connection, event: Envelope, _reactions: Reactions) -> None:
    """Every event of every service, unknown types included, stored once (by event id)."""
    row = event_row(event, customer_of(conn, event))
    conn.execute(INSERT_EVENT, {**row, "data": json.dumps(row["data"], ensure_ascii=False)})


def read_model_handlers() -> HandlerTable:
    """Everything derived from the stored events (what a rebuild replays)."""
    table = HandlerTable()
    table.extend(visibility_handlers())
    table.extend(projection_handlers())
    table.extend(notification_handlers())
    return table


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.add_batch("#", record_events, name=RECORD_EVENT)
    # the timeline: the duplicate's entries move to the kept customer (and back on undo)
    table.extend(merge_handlers("tracking.events", (Moved("events", id_column="event_id"),
                                                          Moved("acl_grants", id_column="record_id"))))
    table.extend(read_model_handlers())
    # webhooks: after the visibility copies of the same batch (never replayed by a rebuild)
    table.add_batch("#", enqueue_deliveries, name=ENQUEUE)
    return table
