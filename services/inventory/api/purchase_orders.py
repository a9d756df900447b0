"""Purchase orders: create, read, receive (full or partial, raises stock), supplier invoices
and payments (views on the purchasing blueprint; the writes are
services/inventory/commands/purchasing.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory import purchasing_store
from services.inventory.api import answers as out
from services.inventory.api.common import PURCHASING_PAYERS, PURCHASING_READERS, STOCK_WRITERS, Id
from services.inventory.api.purchasing import bp
from services.inventory.api.purchasing_bodies import money_doc, po_body
from services.inventory.api.stock_documents import document_body
from services.inventory.commands import purchasing as commands
from services.inventory.models import purchase_orders, supplier_invoices, supplier_payments
from shared.errors import ValidationFailed
from shared.fields import AwareDateTime, Date, Money
from shared.openapi import api_doc
from shared.service import service_context
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


class PoLine(Schema):
    product_id = Id(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**7))
    unit_price = Money(allow_none=True, load_default=None)


class PurchaseOrderIn(Schema):
    supplier_id = Id(required=True)
    warehouse_id = Id(required=True)
    lines = fields.List(fields.Nested(PoLine), required=True, validate=validate.Length(min=1, max=500))


class ReceiveLine(Schema):
    product_id = Id(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**7))


class ReceiveIn(Schema):
    warehouse_id = Id(allow_none=True, load_default=None)
    lines = fields.List(fields.Nested(ReceiveLine), allow_none=True, load_default=None,
                        validate=validate.Length(min=1, max=500))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))


class InvoiceIn(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=80))
    amount = Money(required=True)
    invoice_date = Date(allow_none=True, load_default=None)


class PaymentIn(Schema):
    amount = Money(required=True)
    method = fields.String(required=True, validate=validate.Length(min=1, max=40))
    paid_at = AwareDateTime(default_timezone=None, allow_none=True, load_default=None)


@bp.post("/purchase-orders")
@api_doc(body=PurchaseOrderIn, response=out.PurchaseOrder, status=201, summary="Create a purchase order")
def create_purchase_order():
    require_role(STOCK_WRITERS, "place purchase orders")
    data = load(PurchaseOrderIn())
    merged: dict[str, dict[str, Any]] = {}
    for line in data["lines"]:
        pid = str(line["product_id"])
        if pid in merged:
            raise ValidationFailed("a product appears twice", details={"lines": [f"{pid} appears twice"]})
        merged[pid] = line
    return jsonify(commands.create_purchase_order(service_context(), event_context(), principal(), data, merged)), 201


@bp.get("/purchase-orders")
@api_doc(page=out.PurchaseOrder, summary="Purchase orders (supplier_id, status)")
def list_purchase_orders():
    require_role(PURCHASING_READERS, "see purchase orders")
    page, per_page = page_args()
    query = sa.select(purchase_orders)
    sid = uuid_arg(request.args.get("supplier_id"), "supplier_id")
    if sid:
        query = query.where(purchase_orders.c.supplier_id == sid)
    status = request.args.get("status")
    if status:
        query = query.where(purchase_orders.c.status == status)
    query = query.order_by(purchase_orders.c.created_at.desc(), purchase_orders.c.id.desc())
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
        items = [po_body(conn, r) for r in rows]
    return page_response(items, total, page, per_page)


@bp.get("/purchase-orders/<po_id>")
@api_doc(response=out.PurchaseOrder, summary="A purchase order with its lines")
def get_purchase_order(po_id: str):
    require_role(PURCHASING_READERS, "see purchase orders")
    pid = path_id(po_id, "purchase order")
    with service_context().engine.connect() as conn:
        return jsonify(po_body(conn, purchasing_store.lock_purchase_order(conn, pid)))


@bp.post("/purchase-orders/<po_id>/receive")
@api_doc(body=ReceiveIn, response=out.Receipt, status=201, summary="Receive a purchase order's goods (all that is open, or the lines given)")
def receive_purchase_order(po_id: str):
    """Body (optional): {"warehouse_id"?, "lines"?, "note"?}; no lines = everything still
    open. 201 with the receipt; 409 over_receipt past what was ordered."""
    pid = path_id(po_id, "purchase order")
    require_role(STOCK_WRITERS, "receive purchase orders")
    data = load(ReceiveIn())
    row = commands.receive_purchase_order(service_context(), event_context(), principal(), pid, data)
    return jsonify(document_body(row)), 201


@bp.post("/purchase-orders/<po_id>/invoices")
@api_doc(body=InvoiceIn, response=out.SupplierInvoice, status=201, summary="Record a supplier invoice")
def add_supplier_invoice(po_id: str):
    """A supplier's invoice against the order; all invoices at most the order's total (409)."""
    pid = path_id(po_id, "purchase order")
    require_role(PURCHASING_PAYERS, "record supplier invoices")
    data = load(InvoiceIn())
    return jsonify(commands.add_supplier_invoice(service_context(), event_context(), principal(), pid, data)), 201


@bp.post("/purchase-orders/<po_id>/payments")
@api_doc(body=PaymentIn, response=out.SupplierPayment, status=201, summary="Record a payment to the supplier")
def add_supplier_payment(po_id: str):
    """A payment to the supplier; all payments at most the order's total (409)."""
    pid = path_id(po_id, "purchase order")
    require_role(PURCHASING_PAYERS, "record supplier payments")
    data = load(PaymentIn())
    return jsonify(commands.add_supplier_payment(service_context(), event_context(), principal(), pid, data)), 201


@bp.get("/purchase-orders/<po_id>/invoices")
@api_doc(page=out.SupplierInvoice, summary="A purchase order's supplier invoices")
def list_supplier_invoices(po_id: str):
    return _list_money(po_id, supplier_invoices)


@bp.get("/purchase-orders/<po_id>/payments")
@api_doc(page=out.SupplierPayment, summary="A purchase order's supplier payments")
def list_supplier_payments(po_id: str):
    return _list_money(po_id, supplier_payments)


def _list_money(po_id: str, table: sa.Table):
    require_role(PURCHASING_READERS, "see purchasing")
    pid = path_id(po_id, "purchase order")
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        purchasing_store.lock_purchase_order(conn, pid)
        query = sa.select(table).where(table.c.purchase_order_id == pid).order_by(
            table.c.created_at.desc(), table.c.id.desc())
        rows, total = count_and_page(conn, query, page, per_page)
    return page_response([money_doc(r) for r in rows], total, page, per_page)
