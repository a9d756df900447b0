"""Purchase inquiries (询价单) on the purchasing blueprint: ask several suppliers for the same
lines, record each supplier's offer, compare them (cheapest complete offer first), turn the
chosen one into a purchase order, or cancel. Written by admin and warehouse, read by those
who read purchasing (admin, warehouse, finance, manager); the writes are
services/inventory/commands/inquiries.py."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory import inquiry_store as store
from services.inventory.api import answers as out
from services.inventory.api.common import PURCHASING_READERS, STOCK_WRITERS, Id
from services.inventory.api.purchasing import bp
from services.inventory.commands import inquiries as commands
from services.inventory.domain.inquiries import STATUSES
from services.inventory.models import purchase_inquiries, purchase_inquiry_suppliers
from shared.errors import ValidationFailed
from shared.fields import Date, Money
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

MAX_LINES = 200
MAX_SUPPLIERS = 20


class InquiryLineIn(Schema):
    product_id = Id(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**7))


class InquiryIn(Schema):
    warehouse_id = Id(required=True)
    lines = fields.List(fields.Nested(InquiryLineIn), required=True, validate=validate.Length(min=1, max=MAX_LINES))
    supplier_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=MAX_SUPPLIERS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    reply_by = Date(load_default=None, allow_none=True)


class OfferLineIn(Schema):
    product_id = Id(required=True)
    unit_price = Money(required=True)
    lead_days = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0, max=3650))


class OfferIn(Schema):
    supplier_id = Id(required=True)
    lines = fields.List(fields.Nested(OfferLineIn), required=True, validate=validate.Length(min=1, max=MAX_LINES))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class OrderIn(Schema):
    supplier_id = Id(required=True)


@bp.post("/purchase-inquiries")
@api_doc(body=InquiryIn, response=out.PurchaseInquiry, status=201,
         summary="Ask several suppliers for the same lines (询价单)")
def create_inquiry():
    require_role(STOCK_WRITERS, "send purchase inquiries")
    data = load(InquiryIn())
    return jsonify(commands.create_inquiry(service_context(), event_context(), principal(), data)), 201


@bp.get("/purchase-inquiries")
@api_doc(page=out.PurchaseInquiry, summary="Purchase inquiries, newest first (status, supplier_id)")
def list_inquiries():
    require_role(PURCHASING_READERS, "see purchase inquiries")
    page, per_page = page_args()
    query = sa.select(purchase_inquiries)
    status = request.args.get("status")
    if status:
        if status not in STATUSES:
            raise ValidationFailed("invalid status", details={"status": [f"one of {', '.join(STATUSES)}"]})
        query = query.where(purchase_inquiries.c.status == status)
    sid = uuid_arg(request.args.get("supplier_id"), "supplier_id")
    if sid:
        query = query.where(purchase_inquiries.c.id.in_(
            sa.select(purchase_inquiry_suppliers.c.inquiry_id).where(purchase_inquiry_suppliers.c.supplier_id == sid)))
    query = query.order_by(purchase_inquiries.c.created_at.desc(), purchase_inquiries.c.id.desc())
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
        items = [store.body(conn, r, detail=False) for r in rows]
    return page_response(items, total, page, per_page)


@bp.get("/purchase-inquiries/<inquiry_id>")
@api_doc(response=out.PurchaseInquiry, summary="A purchase inquiry: lines, the suppliers asked, their offers compared")
def get_inquiry(inquiry_id: str):
    require_role(PURCHASING_READERS, "see purchase inquiries")
    with service_context().engine.connect() as conn:
        return jsonify(store.body(conn, store.load(conn, path_id(inquiry_id, "purchase inquiry"))))


@bp.post("/purchase-inquiries/<inquiry_id>/offers")
@api_doc(body=OfferIn, response=out.PurchaseInquiry,
         summary="Record a supplier's offer (price and lead time per product; a new one replaces its last); 409 once closed")
def record_offer(inquiry_id: str):
    require_role(STOCK_WRITERS, "record suppliers' offers")
    iid = path_id(inquiry_id, "purchase inquiry")
    data = load(OfferIn())
    return jsonify(commands.record_offer(service_context(), event_context(), iid, data))


@bp.post("/purchase-inquiries/<inquiry_id>/order")
@api_doc(body=OrderIn, response=out.PurchaseOrder, status=201,
         summary="Turn a supplier's complete offer into a purchase order (409 offer_incomplete, or once closed)")
def order_from_offer(inquiry_id: str):
    require_role(STOCK_WRITERS, "place purchase orders")
    iid = path_id(inquiry_id, "purchase inquiry")
    data = load(OrderIn())
    po = commands.order_from_offer(service_context(), event_context(), principal(), iid, str(data["supplier_id"]))
    return jsonify(po), 201


@bp.post("/purchase-inquiries/<inquiry_id>/cancel")
@api_doc(response=out.PurchaseInquiry, summary="Cancel an open inquiry; 409 once ordered or cancelled")
def cancel_inquiry(inquiry_id: str):
    require_role(STOCK_WRITERS, "cancel purchase inquiries")
    iid = path_id(inquiry_id, "purchase inquiry")
    return jsonify(commands.cancel_inquiry(service_context(), event_context(), iid))
