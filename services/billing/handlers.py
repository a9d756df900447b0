"""Billing's event handlers: the order copy from sales.order.* snapshots, the project copy
from sales.project.*, and the
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


PROJECT_PROJECTION = "billing.projects"
PROJECT_KEYS = ("id", "number", "name", "customer_id", "owner_id", "status")


def on_project_event(conn: Connection, event: Envelope, _reactions: Reactions) -> None:
    """Keep the project copy (expense claims against a project) from the newest snapshot."""
    data = event.data
    if any(not isinstance(data.get(k), str) or not data.get(k) for k in PROJECT_KEYS):
        log.warning("ignoring %s %s: not a project snapshot", event.event_type, event.event_id)
        return
    if not newer_than_applied(conn, PROJECT_PROJECTION, event.aggregate_id, event.aggregate_seq):
        return
    store.upsert_project(conn, data)
    notify_copy(conn, "projects", data["id"])  # wakes claims waiting for this project


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
    table.add("sales.project.#", on_project_event, name="billing.projects")
    table.extend(visibility_handlers())
    table.extend(billing_merge_handlers())  # issue 17: merges of duplicate customers
    return table
