"""Order commands (SQL + domain rules), shared by the orders and quotes APIs: create
(with the approval rule), approve, reject, cancel, close. Each writes its events to the outbox
in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.domain import orders as rules
from services.sales.domain.money import Amounts, totals
from services.sales.models import order_lines, order_number_seq, orders, quotes
from services.sales.orders_store import Emit, publish, update_order
from services.sales.pricing import check_total, fee_totals, list_prices
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
    fees: list[dict[str, Any]] | None = None,
    delivery_date: date | None = None,
) -> dict[str, Any]:
    """Write an order from priced lines: pending_approval when a line's effective discount
    against the list price (however the unit price and discount_pct express it) is above
    the threshold (sales.order.approval_requested), else pending (sales.order.placed starts
    the reservation saga). sales.order.created first in both cases. created_by is the
    caller, who may never approve it. Fees (priced by pricing.price_fees) add to the totals;
    lines may carry their own delivery_date."""
    order_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    fees = fees or []
    total = order_totals(lines, fees)
    held = discount_needs_approval(conn, lines, approval_threshold)
    status = rules.PENDING_APPROVAL if held else rules.PENDING
    row = {
        "id": order_id, "customer_id": customer_id, "owner_id": owner_id, "quote_id": quote_id,
        "warehouse_id": warehouse_id, "status": status, "payment_status": "unpaid", "net": total.net,
        "tax": total.tax, "gross": total.gross, "invoiced_amount": ZERO, "paid_amount": ZERO, "reason": None,
        "approved_by": None, "reserved_warehouse_id": None, "created_by": created_by,
        "fees": fees, "delivery_date": delivery_date, "edited_by": None,
        "created_at": now, "updated_at": now,
    }
    number = conn.execute(sa.insert(orders).values(number=number_expr("SO", order_number_seq), **row)
                          .returning(orders.c.number)).scalar_one()
    order_lines_rows = _line_rows(order_id, customer_id, lines, now)
    conn.execute(sa.insert(order_lines), order_lines_rows)
    order = {**row, "number": number, "lines": order_lines_rows}
    publish(emit, "sales.order.created", order)
    publish(emit, "sales.order.approval_requested" if held else "sales.order.placed", order)
    return order


def order_totals(lines: list[dict[str, Any]], fees: list[dict[str, Any]]) -> Amounts:
    """The order's totals: its lines' and its fees' (issue 16), within billing's bound."""
    total = totals([*(Amounts(line["net"], line["tax"], line["gross"]) for line in lines), *fee_totals(fees)])
    check_total(total.gross)
    return total


def _line_rows(order_id: str, customer_id: str, lines: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return [
        {"order_id": order_id, "line_no": i, "customer_id": customer_id, "created_at": now,
         "shipped_quantity": 0, "delivery_date": line.get("delivery_date"), **{k: line[k] for k in (
             "product_id", "product_name", "quantity", "unit_price", "discount_pct", "tax_rate",
             "net", "tax", "gross")}}
        for i, line in enumerate(lines)
    ]


def _illegal(exc: rules.IllegalTransition) -> Conflict:
    return Conflict(str(exc), code="illegal_transition", details={"status": exc.status, "action": exc.action})


def order_authors(conn: Connection, order: dict[str, Any]) -> list[str | None]:
    """Who wrote the order's prices: its creator, whoever last edited it (issue 16) and, for
    an order made from a quote, the quote's author. An order from before creators were stored counts its owner."""
    authors = [order.get("created_by") or order["owner_id"], order.get("edited_by")]
    if order.get("quote_id"):
        authors.append(conn.execute(sa.select(quotes.c.owner_id).where(quotes.c.id == order["quote_id"])).scalar())
    return authors


def _check_approver(conn: Connection, p: Principal, order: dict[str, Any]) -> None:
    manages_owner = p.role == "manager" and is_manager_of(conn, p.user_id, order["owner_id"])
    refusal = rules.approval_refusal(p.role, p.user_id, order_authors(conn, order), manages_owner)
    if refusal:
        raise Forbidden(refusal, details={"approver": [refusal]})


def check_edit(order: dict[str, Any], changed: set[str]) -> None:
    """409 order_not_editable when these fields may not change in the order's status."""
    try:
        rules.check_editable(order["status"], changed)
    except rules.NotEditable as exc:
        raise Conflict(str(exc), code="order_not_editable",
                       details={"status": exc.status, "fields": list(exc.fields)}) from None


def edit_order(conn: Connection, emit: Emit, p: Principal, order: dict[str, Any], changes: dict[str, Any],
               approval_threshold: Decimal) -> dict[str, Any]:
    """Edit a held or pending order (issue 16; the caller holds its row lock). `changes`
    holds what the body named: priced `lines` (a held order only: a pending order's
    reservation is already requested, 409), priced `fees`, `delivery_date`. Totals are
    recomputed and the approval rule read again: a held order whose lines all fall within
    the threshold now is placed (pending, sales.order.placed after sales.order.updated);
    one still past it stays held, and its approval starts over (sales.order.approval_requested
    again when its lines changed, so the approvers hear of the new prices; the editor becomes
    one of its authors, who never approve it)."""
    check_edit(order, set(changes))
    now = datetime.now(UTC)
    lines = order["lines"]
    if "lines" in changes:
        conn.execute(sa.delete(order_lines).where(order_lines.c.order_id == order["id"]))
        lines = _line_rows(order["id"], order["customer_id"], changes["lines"], now)
        conn.execute(sa.insert(order_lines), lines)
    fees = changes.get("fees", order.get("fees") or [])
    total = order_totals(lines, fees)
    before = status = order["status"]
    if status == rules.PENDING_APPROVAL:
        status = rules.status_after_edit(status, discount_needs_approval(conn, lines, approval_threshold))
    values: dict[str, Any] = {"net": total.net, "tax": total.tax, "gross": total.gross, "fees": fees,
                              "status": status, "edited_by": p.user_id}
    if "delivery_date" in changes:
        values["delivery_date"] = changes["delivery_date"]
    order = update_order(conn, {**order, "lines": lines}, **values)
    publish(emit, "sales.order.updated", order)
    if before == rules.PENDING_APPROVAL and status == rules.PENDING:  # no approval needed any more: the saga starts
        publish(emit, "sales.order.placed", order)
    elif status == rules.PENDING_APPROVAL and "lines" in changes:  # new prices: the approvers are asked again
        publish(emit, "sales.order.approval_requested", order)
    return order


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
