"""Invoice commands: issue (within the order's gross, continuous numbers per year), void."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from services.billing import store
from services.billing.api.common import DOMAIN, FINANCE, invoice_event, visible_order
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
        seq = store.next_invoice_seq(conn, year)  # locks the year's counter until commit
        number = invoice_number(year, seq)
        check_requested_number(body["number"], number)  # a refusal rolls the counter back
        row = conn.execute(
            sa.insert(invoices).values(
                id=new_id(), number=number, year=year, seq=seq,
                order_id=order.id, customer_id=order.customer_id, amount=body["amount"],
                status="issued", void_reason=None, issued_at=issued_at, issued_by=p.user_id,
            ).returning(*invoices.c)
        ).one()
        order = store.add_to_order(conn, order.id, invoiced=body["amount"])
        store.add_to_receivables(conn, order.customer_id, invoiced=body["amount"])
        emit("billing.invoice.issued", aggregate_type="invoice", aggregate_id=row.id,
             data=invoice_event(row), customer_id=row.customer_id)
        store.publish_balance(emit, order)
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
