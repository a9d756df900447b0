"""What billing's endpoints share that is billing's own: roles, the visible order and
customer lookups, row views. Path ids, role checks and times come from shared.web."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Row

from services.billing import store
from services.billing.domain.money_rules import fmt_rate
from shared.copies import CopyMissing
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.money import fmt
from shared.visibility import can_see_customer
from shared.web import iso

DOMAIN = "billing"
# Who may issue and void invoices, record, confirm and reject payments, allocate
# prepayments, set exchange rates and opening balances. (Sales reps and managers may
# record cash payments, unconfirmed, only when BILLING_REPS_RECORD_CASH is on:
# domain/payments.py.)
FINANCE = frozenset({"admin", "finance"})


def unknown_order() -> ValidationFailed:
    return ValidationFailed(
        "unknown order: billing has no such order (yet; orders arrive from sales by events)",
        code="unknown_order", details={"order_id": ["unknown order"]},
    )


def visible_order(conn: Connection, p: Principal, order_id: str, *, lock: bool) -> Row:
    """The order from billing's copy, locked when asked; 422 unknown_order when billing has
    not heard of it or the caller may not see its customer (indistinguishable). An order
    the copy does not have yet is waited for (shared.copies)."""
    order = store.get_order(conn, order_id, for_update=lock)
    if order is None:
        raise CopyMissing(unknown_order(), ("orders", order_id))
    if not can_see_customer(conn, p, order.customer_id, DOMAIN):
        raise unknown_order()
    return order


def unknown_customer() -> ValidationFailed:
    return ValidationFailed("unknown customer", code="unknown_customer", details={"customer_id": ["unknown customer"]})


def check_customer(conn: Connection, p: Principal, customer_id: str) -> None:
    """422 unknown_customer when billing does not know the customer or the caller may not
    see it; a customer the copy does not have yet is waited for (shared.copies)."""
    if not store.customer_known(conn, customer_id):
        raise CopyMissing(unknown_customer(), ("acl_customers", customer_id))
    if not can_see_customer(conn, p, customer_id, DOMAIN):
        raise unknown_customer()


def invoice_view(row: Row) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "order_id": row.order_id, "customer_id": row.customer_id,
            "amount": fmt(row.amount), "status": row.status, "void_reason": row.void_reason,
            "issued_at": iso(row.issued_at), "issued_by": row.issued_by,
            "voided_at": iso(row.voided_at), "voided_by": row.voided_by, "created_at": iso(row.created_at),
            "number_source": row.number_source}


def invoice_event(row: Row) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "order_id": row.order_id, "customer_id": row.customer_id,
            "amount": fmt(row.amount), "status": row.status, "void_reason": row.void_reason,
            "issued_at": iso(row.issued_at)}


def payment_view(row: Row) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "order_id": row.order_id,
            "kind": "order" if row.order_id else "prepayment",
            "amount": fmt(row.amount), "currency": row.currency, "rate_to_cny": fmt_rate(row.rate_to_cny),
            "amount_cny": fmt(row.amount_cny), "method": row.method, "account": row.account,
            "note": row.note, "received_at": iso(row.received_at), "recorded_by": row.recorded_by,
            "status": row.status, "decided_by": row.decided_by, "decided_at": iso(row.decided_at),
            "decision_note": row.decision_note, "created_at": iso(row.created_at)}


def payment_event(row: Row) -> dict[str, Any]:
    view = payment_view(row)
    return {k: view[k] for k in ("id", "customer_id", "order_id", "amount", "currency", "rate_to_cny",
                                 "amount_cny", "method", "account", "received_at", "status", "recorded_by",
                                 "decided_by", "decision_note")}


def allocation_view(row: Row) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "order_id": row.order_id,
            "amount_cny": fmt(row.amount_cny), "allocated_by": row.allocated_by,
            "created_at": iso(row.created_at)}


def expense_view(row: Row) -> dict[str, Any]:
    return {"id": row.id, "submitter_id": row.submitter_id, "amount": fmt(row.amount),
            "category": row.category, "description": row.description, "customer_id": row.customer_id,
            "order_id": row.order_id, "project_id": row.project_id, "status": row.status,
            "incurred_on": row.incurred_on.isoformat(), "decided_by": row.decided_by,
            "decided_at": iso(row.decided_at), "decision_note": row.decision_note,
            "paid_by": row.paid_by, "paid_at": iso(row.paid_at), "created_at": iso(row.created_at)}


def expense_event(row: Row) -> dict[str, Any]:
    view = expense_view(row)
    return {k: view[k] for k in ("id", "submitter_id", "amount", "category", "description", "customer_id",
                                 "order_id", "project_id", "status", "incurred_on", "decided_by",
                                 "decision_note")}
