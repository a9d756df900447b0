"""Invoices: issue (within the order's gross, continuous numbers per year), void, list."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, jsonify, request

from services.billing import store
from services.billing.api import answers as out
from services.billing.api.common import DOMAIN, FINANCE, invoice_event, invoice_view, visible_order
from services.billing.api.fields import InvoiceIn, VoidIn
from services.billing.domain.money_rules import (
    check_billable,
    check_invoice_fits,
    check_requested_number,
    invoice_number,
)
from services.billing.models import invoices
from shared.envelope import new_id
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import can_see_customer, customer_filter, with_customer_names
from shared.web import (
    count_and_page,
    event_context,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
    uuid_arg,
)

bp = Blueprint("billing_invoices", __name__)


@bp.post("/invoices")
@api_doc(response=out.Invoice, body=InvoiceIn, status=201, summary="Issue an invoice (sum per order at most its gross; 409 invoice_exceeds_order)", tags=["billing"])
def issue_invoice():
    p = principal()
    require_role(FINANCE, "issue invoices", who=p)
    body = load(InvoiceIn())
    now = datetime.now(UTC)
    issued_at = body["issued_at"] or now
    if issued_at > now + timedelta(minutes=5):
        raise ValidationFailed("an invoice cannot be dated in the future",
                               details={"issued_at": ["must not be in the future"]})
    ctx = service_context()
    with ctx.engine.begin() as conn:
        emit = functools.partial(ctx.outbox.add, conn, event_context())
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
    return jsonify(invoice_view(row)), 201


@bp.post("/invoices/<invoice_id>/void")
@api_doc(response=out.Invoice, body=VoidIn, status=200, summary="Void an invoice with a reason (finance, admin); it keeps its number", tags=["billing"])
def void_invoice(invoice_id: str):
    p = principal()
    invoice_id = path_id(invoice_id, "invoice")
    body = load(VoidIn())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        emit = functools.partial(ctx.outbox.add, conn, event_context())
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
            .values(status="void", void_reason=body["reason"], voided_at=sa.func.now(), voided_by=p.user_id)
            .returning(*invoices.c)
        ).one()
        order = store.add_to_order(conn, row.order_id, invoiced=-row.amount)
        store.add_to_receivables(conn, row.customer_id, invoiced=-row.amount)
        emit("billing.invoice.voided", aggregate_type="invoice", aggregate_id=row.id,
             data=invoice_event(row), customer_id=row.customer_id)
        store.publish_balance(emit, order)
    return jsonify(invoice_view(row))


@bp.get("/invoices")
@api_doc(page=out.Invoice, summary="Invoices (customer_id, order_id, status)")
def list_invoices():
    p = principal()
    page, per_page = page_args()
    order_id = uuid_arg(request.args.get("order_id"), "order_id")
    customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
    status = request.args.get("status")
    if status not in (None, "", "issued", "void"):
        raise ValidationFailed("invalid status", details={"status": ["one of issued, void"]})
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [customer_filter(conn, p, invoices.c.customer_id, DOMAIN, read=True)]
        if order_id:
            where.append(invoices.c.order_id == order_id)
        if customer_id:
            where.append(invoices.c.customer_id == customer_id)
        if status:
            where.append(invoices.c.status == status)
        rows, total = count_and_page(
            conn, sa.select(invoices).where(*where)
            .order_by(invoices.c.issued_at.desc(), invoices.c.id.desc()), page, per_page)
        items = with_customer_names(conn, [invoice_view(r) for r in rows])
    return page_response(items, total, page, per_page)


@bp.get("/invoices/<invoice_id>")
@api_doc(response=out.Invoice, summary="An invoice")
def get_invoice(invoice_id: str):
    p = principal()
    invoice_id = path_id(invoice_id, "invoice")
    ctx = service_context()
    with ctx.engine.connect() as conn:
        row = conn.execute(sa.select(invoices).where(invoices.c.id == invoice_id)).first()
        if row is None or not can_see_customer(conn, p, row.customer_id, DOMAIN, read=True):
            raise NotFound("invoice not found")
        return jsonify(with_customer_names(conn, [invoice_view(row)])[0])
