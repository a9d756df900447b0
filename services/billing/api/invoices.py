"""Invoices: issue and void (services/billing/commands/invoices.py), read, list."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request

from services.billing.api import answers as out
from services.billing.api.common import DOMAIN, FINANCE, invoice_view
from services.billing.api.fields import InvoiceIn, VoidIn
from services.billing.commands import invoices as commands
from services.billing.models import invoices
from shared.errors import NotFound, ValidationFailed
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
    row = commands.issue_invoice(service_context(), event_context(), p, body)
    return jsonify(invoice_view(row)), 201


@bp.post("/invoices/<invoice_id>/void")
@api_doc(response=out.Invoice, body=VoidIn, status=200, summary="Void an invoice with a reason (finance, admin); it keeps its number", tags=["billing"])
def void_invoice(invoice_id: str):
    p = principal()
    invoice_id = path_id(invoice_id, "invoice")
    body = load(VoidIn())
    row = commands.void_invoice(service_context(), event_context(), p, invoice_id, body["reason"])
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
