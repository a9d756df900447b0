"""Invoice commands: issue (within the order's gross, continuous numbers per year), void."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Row

from services.billing import store
from services.billing.api.common import DOMAIN, FINANCE, invoice_event, visible_order
from services.billing.domain import invoice_numbers as numbering
from services.billing.domain.money_rules import (
    check_billable,
    check_invoice_fits,
    check_requested_number,
    invoice_number,
)
from services.billing.models import invoices
from shared.envelope import new_id
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import can_see_customer
from shared.web import require_role


def issue_invoice(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    """Issue an invoice on an order (finance, admin): billing.invoice.issued and the order's
    balance. The order's row lock serializes invoices per order; the year's counter row
    keeps the numbers continuous (a refusal rolls it back)."""
    require_role(FINANCE, "issue invoices", who=p)
    now = datetime.now(UTC)
    issued_at = body["issued_at"] or now
    if issued_at > now + timedelta(minutes=5):
        raise ValidationFailed("an invoice cannot be dated in the future",
                               details={"issued_at": ["must not be in the future"]})
    with ctx.transaction(events) as (conn, emit):
        order = visible_order(conn, p, body["order_id"], lock=True)  # serializes per order
        check_billable(order.status)
        check_invoice_fits(order.gross, order.invoiced, body["amount"])
        year = issued_at.astimezone(UTC).year
        values = {"id": new_id(), "year": year, "order_id": order.id, "customer_id": order.customer_id,
                  "amount": body["amount"], "status": "issued", "void_reason": None, "issued_at": issued_at,
                  "issued_by": p.user_id}
        if numbering.kind_of(body["number"]) == numbering.MANUAL:  # the real fapiao's number (issue 16)
            row = _insert_manual(conn, values, numbering.clean_manual(body["number"]))
        else:
            seq = store.next_invoice_seq(conn, year)  # locks the year's counter until commit
            number = invoice_number(year, seq)
            check_requested_number((body["number"] or "").strip() or None, number)  # a refusal rolls it back
            row = conn.execute(sa.insert(invoices).values(**values, number=number, seq=seq)
                               .returning(*invoices.c)).one()
        order = store.add_to_order(conn, order.id, invoiced=body["amount"])
        store.add_to_receivables(conn, order.customer_id, invoiced=body["amount"])
        emit("billing.invoice.issued", aggregate_type="invoice", aggregate_id=row.id,
             data=invoice_event(row), customer_id=row.customer_id)
        store.publish_balance(emit, order)
    return row


def _insert_manual(conn: Connection, values: dict[str, Any], number: str) -> Row:
    """An invoice under a number given by hand: 409 duplicate_invoice_number when any invoice
    (void ones too) has it, also when two requests race for it (the unique number decides)."""
    taken = conn.execute(sa.select(invoices.c.id, invoices.c.status).where(invoices.c.number == number)).first()
    if taken is not None:
        raise numbering.number_taken(number, taken.id, taken.status)
    row = conn.execute(
        pg_insert(invoices).values(**values, number=number, seq=None, number_source=numbering.MANUAL)
        .on_conflict_do_nothing(index_elements=[invoices.c.number]).returning(*invoices.c)).first()
    if row is None:  # issued a moment ago by a concurrent request
        winner = conn.execute(sa.select(invoices.c.id, invoices.c.status).where(invoices.c.number == number)).first()
        raise numbering.number_taken(number, winner.id if winner else "", winner.status if winner else "issued")
    return row


def void_invoice(ctx: ServiceContext, events: EventContext, p: Principal, invoice_id: str, reason: str) -> Row:
    """Void an invoice with a reason (finance, admin); it keeps its number. 404 for an
    invoice the caller does not see (before the role check), 409 invoice_already_void."""
    with ctx.transaction(events) as (conn, emit):
        found = conn.execute(sa.select(invoices.c.order_id, invoices.c.customer_id)
                             .where(invoices.c.id == invoice_id)).first()
        if found is None or not can_see_customer(conn, p, found.customer_id, DOMAIN):
            raise NotFound("invoice not found")
        require_role(FINANCE, "void invoices", who=p)
        store.get_order(conn, found.order_id, for_update=True)  # same lock order as issuing
        row = conn.execute(sa.select(invoices).where(invoices.c.id == invoice_id).with_for_update()).one()
        if row.status == "void":
            raise Conflict("the invoice is already void", code="invoice_already_void",
                           details={"status": row.status})
        row = conn.execute(
            sa.update(invoices).where(invoices.c.id == invoice_id)
            .values(status="void", void_reason=reason, voided_at=sa.func.now(), voided_by=p.user_id)
            .returning(*invoices.c)
        ).one()
        order = store.add_to_order(conn, row.order_id, invoiced=-row.amount)
        store.add_to_receivables(conn, row.customer_id, invoiced=-row.amount)
        emit("billing.invoice.voided", aggregate_type="invoice", aggregate_id=row.id,
             data=invoice_event(row), customer_id=row.customer_id)
        store.publish_balance(emit, order)
    return row
