"""Billing's event handlers: the order copy from sales.order.* snapshots, and the
visibility copies (users, customer owners and shares)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Connection

from services.billing import store
from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.envelope import Envelope
from shared.visibility import visibility_handlers

ORDER_PROJECTION = "billing.orders"


def on_order_event(conn: Connection, event: Envelope, reactions: Reactions) -> None:
    """Apply the newest order snapshot; skip stale and redelivered ones. When the gross
    total of an order that already has invoices or payments changes, its balance (and so
    its payment status) is published again."""
    if not newer_than_applied(conn, ORDER_PROJECTION, event.aggregate_id, event.aggregate_seq):
        return
    data = event.data
    before = store.upsert_order(conn, data)
    if before is None or before.gross == Decimal(data["gross"]):
        return
    if before.invoiced or before.paid:
        order = store.get_order(conn, data["id"])
        store.publish_balance(reactions.emit, order)


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.add("sales.order.#", on_order_event, name="billing.orders")
    table.extend(visibility_handlers())
    return table
