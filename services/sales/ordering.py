"""Order commands (SQL + domain rules), shared by the orders and quotes APIs: create
(with the approval rule), approve, reject, cancel, close. Each writes its events to the outbox
in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.domain import orders as rules
from services.sales.domain.money import Amounts, totals
from services.sales.models import order_lines, order_number_seq, orders, quotes
from services.sales.orders_store import Emit, publish, update_order
from services.sales.pricing import list_prices
from shared.errors import Conflict, Forbidden
from shared.identity import Principal
from shared.money import ZERO
from shared.visibility import is_manager_of


def number_expr(prefix: str, seq: sa.Sequence):
    """A document number drawn from a sequence inside the INSERT: SO-2026-000042."""
    return sa.func.concat(f"{prefix}-{datetime.now(UTC).year}-",
                          sa.func.lpad(sa.cast(seq.next_value(), sa.Text), 6, "0"))


def new_number(conn: Connection, prefix: str, seq: sa.Sequence) -> str:
    return conn.execute(sa.select(number_expr(prefix, seq))).scalar_one()


def discount_needs_approval(conn: Connection, lines: list[dict[str, Any]], threshold: Decimal) -> bool:
    """Whether priced lines sell past the approval threshold against the products' list
    prices (however the unit price and discount_pct express it): held orders and quotes
    that need a manager's approval alike."""
    listed = list_prices(conn, [line["product_id"] for line in lines])
    return rules.needs_approval(
        (rules.PricedLine(listed.get(line["product_id"]), line["unit_price"], line["discount_pct"]) for line in lines),
        threshold)


def create_order(
    conn: Connection,
    emit: Emit,
    *,
    customer_id: str,
    owner_id: str,
    lines: list[dict[str, Any]],
    created_by: str,
    approval_threshold: Decimal,
    warehouse_id: str | None = None,
    quote_id: str | None = None,
) -> dict[str, Any]:
    """Write an order from priced lines: pending_approval when a line's effective discount
    against the list price (however the unit price and discount_pct express it) is above
    the threshold (sales.order.approval_requested), else pending (sales.order.placed starts
    the reservation saga). sales.order.created first in both cases. created_by is the
    caller, who may never approve it."""
    order_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    total = totals(Amounts(line["net"], line["tax"], line["gross"]) for line in lines)
    held = discount_needs_approval(conn, lines, approval_threshold)
    status = rules.PENDING_APPROVAL if held else rules.PENDING
    row = {
        "id": order_id, "customer_id": customer_id, "owner_id": owner_id, "quote_id": quote_id,
        "warehouse_id": warehouse_id, "status": status, "payment_status": "unpaid", "net": total.net,
        "tax": total.tax, "gross": total.gross, "invoiced_amount": ZERO, "paid_amount": ZERO, "reason": None,
        "approved_by": None, "reserved_warehouse_id": None, "created_by": created_by,
        "created_at": now, "updated_at": now,
    }
    number = conn.execute(sa.insert(orders).values(number=number_expr("SO", order_number_seq), **row)
                          .returning(orders.c.number)).scalar_one()
    order_lines_rows = [
        {"order_id": order_id, "line_no": i, "customer_id": customer_id, "created_at": now,
         "shipped_quantity": 0, **{k: line[k] for k in (
             "product_id", "product_name", "quantity", "unit_price", "discount_pct", "tax_rate",
             "net", "tax", "gross")}}
        for i, line in enumerate(lines)
    ]
    conn.execute(sa.insert(order_lines), order_lines_rows)
    order = {**row, "number": number, "lines": order_lines_rows}
    publish(emit, "sales.order.created", order)
    publish(emit, "sales.order.approval_requested" if held else "sales.order.placed", order)
    return order


def _illegal(exc: rules.IllegalTransition) -> Conflict:
    return Conflict(str(exc), code="illegal_transition", details={"status": exc.status, "action": exc.action})


def order_authors(conn: Connection, order: dict[str, Any]) -> list[str | None]:
    """Who wrote the order's prices: its creator and, for an order made from a quote, the
    quote's author. An order from before creators were stored counts its owner."""
    authors = [order.get("created_by") or order["owner_id"]]
    if order.get("quote_id"):
        authors.append(conn.execute(sa.select(quotes.c.owner_id).where(quotes.c.id == order["quote_id"])).scalar())
    return authors


def _check_approver(conn: Connection, p: Principal, order: dict[str, Any]) -> None:
    manages_owner = p.role == "manager" and is_manager_of(conn, p.user_id, order["owner_id"])
    refusal = rules.approval_refusal(p.role, p.user_id, order_authors(conn, order), manages_owner)
    if refusal:
        raise Forbidden(refusal, details={"approver": [refusal]})


def approve_order(conn: Connection, emit: Emit, p: Principal, order: dict[str, Any],
                  comment: str | None = None) -> dict[str, Any]:
    """Four eyes: not the order's (or its quote's) author; a manager above the owner, or an
    admin: pending_approval -> pending, then placed. The approver's comment, if any, is the
    order's `reason` (the note of the last decision on it) and ends the timeline's line."""
    _check_approver(conn, p, order)
    try:
        status = rules.next_status(order["status"], "approve")
    except rules.IllegalTransition as exc:
        raise _illegal(exc) from None
    order = update_order(conn, order, status=status, approved_by=p.user_id, reason=comment or None)
    publish(emit, "sales.order.approved", order)
    publish(emit, "sales.order.placed", order)
    return order


def reject_order(conn: Connection, emit: Emit, p: Principal, order: dict[str, Any], reason: str) -> dict[str, Any]:
    """Whoever may approve a held order may turn it down instead: pending_approval ->
    rejected with the reason (sales.order.rejected; no stock was reserved for it)."""
    _check_approver(conn, p, order)
    try:
        status = rules.next_status(order["status"], "reject")
    except rules.IllegalTransition as exc:
        raise _illegal(exc) from None
    order = update_order(conn, order, status=status, reason=reason)
    publish(emit, "sales.order.rejected", order)
    return order


def cancel_order(conn: Connection, emit: Emit, order: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """-> cancelled; sales.order.cancelled makes inventory release what it reserved."""
    try:
        status = rules.next_status(order["status"], "cancel")
    except rules.IllegalTransition as exc:
        raise _illegal(exc) from None
    order = update_order(conn, order, status=status, reason=reason or order["reason"])
    publish(emit, "sales.order.cancelled", order)
    return order


def close_order(conn: Connection, emit: Emit, order: dict[str, Any]) -> dict[str, Any]:
    try:
        status = rules.next_status(order["status"], "close")
    except rules.IllegalTransition as exc:
        raise _illegal(exc) from None
    order = update_order(conn, order, status=status)
    publish(emit, "sales.order.closed", order)
    return order
