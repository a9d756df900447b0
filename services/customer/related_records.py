"""Which customer each record of the sales service belongs to (related_records), kept from
sales.opportunity.*, .quote.*, .order.*, .contract.*, .project.* (each carries the record's
snapshot with customer_id): documents attached to a record follow that customer's visibility
(services/customer/commands/documents.py). A record that moves to another customer (a merge)
takes its documents along; an upload naming a record whose event has not arrived yet waits
for it (shared.copies)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.copies import notify_copy
from shared.envelope import Envelope

# event family -> the related_type documents use for it
RELATED_EVENTS = {
    "sales.opportunity.#": "opportunity",
    "sales.quote.#": "quote",
    "sales.order.#": "order",
    "sales.contract.#": "contract",
    "sales.project.#": "project",
}

_UPSERT_RELATED = sa.text(
    "INSERT INTO related_records (record_id, record_type, customer_id, label) VALUES (:id, :t, :c, :label) "
    "ON CONFLICT (record_id) DO UPDATE SET record_type = EXCLUDED.record_type, customer_id = EXCLUDED.customer_id, "
    "label = EXCLUDED.label"
)
# a record moved to another customer (a merge) takes its documents along
_MOVE_DOCUMENTS = sa.text(
    "UPDATE documents SET customer_id = :c, updated_at = now() WHERE related_id = :id AND customer_id <> :c"
)


def on_related_record(record_type: str) -> Callable[[Connection, Envelope, Reactions], None]:
    def handle(conn: Connection, event: Envelope, _reactions: Reactions) -> None:
        d = event.data
        record_id, customer_id = d.get("id"), d.get("customer_id")
        if not record_id or not customer_id:
            return
        if not newer_than_applied(conn, "related_record", str(record_id), event.aggregate_seq):
            return
        label = d.get("number") or d.get("name") or d.get("title")
        conn.execute(_UPSERT_RELATED, {"id": record_id, "t": record_type, "c": customer_id,
                                       "label": str(label)[:300] if label else None})
        conn.execute(_MOVE_DOCUMENTS, {"id": record_id, "c": customer_id})
        notify_copy(conn, "related_records", record_id)  # wakes uploads waiting for this record

    handle.__qualname__ = f"on_{record_type}_record"
    return handle


def related_record_handlers() -> HandlerTable:
    table = HandlerTable()
    for pattern, record_type in RELATED_EVENTS.items():
        table.add(pattern, on_related_record(record_type), name=f"documents.related_{record_type}")
    return table
