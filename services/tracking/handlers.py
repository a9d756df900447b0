"""Tracking's event handlers: store every event exactly once."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.tracking.summaries import summarize
from shared.consumer import HandlerTable, Reactions
from shared.envelope import Envelope
from shared.visibility import visibility_handlers

INSERT_EVENT = sa.text(
    "INSERT INTO events (event_id, event_type, version, service, occurred_at, region, customer_id, actor_id, "
    "aggregate_type, aggregate_id, aggregate_seq, correlation_id, causation_id, summary, summary_zh, data) "
    "VALUES (:event_id, :event_type, :version, :service, :occurred_at, :region, :customer_id, :actor_id, "
    ":aggregate_type, :aggregate_id, :aggregate_seq, :correlation_id, :causation_id, :summary, :summary_zh, "
    "CAST(:data AS jsonb)) ON CONFLICT (event_id) DO NOTHING"
)


def record_event(conn: Connection, event: Envelope, _reactions: Reactions) -> None:
    """Every event of every service, unknown types included, stored once."""
    en, zh = summarize(event)
    conn.execute(
        INSERT_EVENT,
        {
            "event_id": event.event_id, "event_type": event.event_type, "version": event.version,
            "service": event.producer or event.service, "occurred_at": event.occurred_at,
            "region": event.region, "customer_id": event.customer_id, "actor_id": event.actor_id,
            "aggregate_type": event.aggregate_type, "aggregate_id": event.aggregate_id,
            "aggregate_seq": event.aggregate_seq, "correlation_id": event.correlation_id,
            "causation_id": event.causation_id, "summary": en, "summary_zh": zh,
            "data": json.dumps(event.data, ensure_ascii=False),
        },
    )


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.add("#", record_event, name="tracking.record_event")
    table.extend(visibility_handlers())
    return table
