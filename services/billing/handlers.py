"""Billing's event handlers: the order copy from sales.order.* snapshots, and the
visibility copies (users, customer owners and shares)."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from sqlalchemy.engine import Connection

from services.billing import store
from services.billing.merging import billing_merge_handlers
from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.copies import notify_copy
from shared.envelope import Envelope
from shared.visibility import visibility_handlers

ORDER_PROJECTION = "billing.orders"
SNAPSHOT_KEYS = ("id", "number", "customer_id", "owner_id", "status", "gross")
log = logging.getLogger("crm.billing")


def on_order_event(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    """Apply the newest order snapshot; skip stale and redelivered ones. When the gross
    total of an order that already has invoices or payments changes, its balance (and so
    its payment status) is published again."""
    data = event.data
    if not _is_snapshot(data):
        log.warning("ignoring %s %s: not an order snapshot", event.event_type, event.event_id)
        return
    if not newer_than_applied(conn, ORDER_PROJECTION, event.aggregate_id, event.aggregate_seq):
        return
    before = store.upsert_order(conn, data)
    if before is None:
        notify_copy(conn, "orders", data["id"])  # wakes requests waiting for this order
    if before is None or before.gross == Decimal(data["gross"]):
        return
    if before.invoiced or before.paid:
        order = store.get_order(conn, data["id"])
        store.publish_balance(reactions.emit, order)


def _is_snapshot(data: dict) -> bool:
    """Every sales.order.* event carries the full snapshot; anything else (a future event
    of another shape) is not for this copy."""
    if any(data.get(k) in (None, "") for k in SNAPSHOT_KEYS):
        return False
    try:
        return Decimal(str(data["gross"])).is_finite()
    except InvalidOperation:
        return False


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.add("sales.order.#", on_order_event, name="billing.orders")
    table.extend(visibility_handlers())
    table.extend(billing_merge_handlers())  # issue 17: merges of duplicate customers
    return table
