"""Purchasing: suppliers with purchase prices (purchase orders, receiving, supplier
invoices and payments are api/purchase_orders.py, on this blueprint; the writes are
services/inventory/commands/purchasing.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory.api import answers as out
from services.inventory.api.common import PURCHASING_READERS, STOCK_WRITERS, Id
from services.inventory.api.purchasing_bodies import prices_of, supplier_body
from services.inventory.commands import purchasing as commands
from services.inventory.models import suppliers
from shared.db import like_pattern
from shared.errors import NotFound
from shared.fields import Money
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    count_and_page,
    event_context,
    load,
    page_args,
    page_response,
    path_id,
    require_role,
)

bp = Blueprint("inventory_purchasing", __name__)


class PriceIn(Schema):
    product_id = Id(required=True)
    price = Money(required=True)


class SupplierIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    contact = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=120))
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=60))
    address = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))
    prices = fields.List(fields.Nested(PriceIn), load_default=list, validate=validate.Length(max=500))


# ---- suppliers ---------------------------------------------------------------------

@bp.post("/suppliers")
@api_doc(body=SupplierIn, response=out.Supplier, status=201, summary="Create a supplier with its purchase prices")
def create_supplier():
    require_role(STOCK_WRITERS, "add suppliers")
    data = load(SupplierIn())
    data["name"] = data["name"].strip()
    return jsonify(commands.create_supplier(service_context(), event_context(), data)), 201


@bp.get("/suppliers")
@api_doc(page=out.Supplier, summary="Suppliers (q: part of the name, as a picker searches)")
def list_suppliers():
    require_role(PURCHASING_READERS, "see suppliers")
    page, per_page = page_args()
    query = sa.select(suppliers).order_by(suppliers.c.name, suppliers.c.id)
    q = (request.args.get("q") or "").strip()[:100]
    if q:
        query = query.where(suppliers.c.name.ilike(like_pattern(q)))
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
    return page_response([supplier_body(r) for r in rows], total, page, per_page)


@bp.get("/suppliers/<supplier_id>")
@api_doc(response=out.Supplier, summary="A supplier with its purchase prices")
def get_supplier(supplier_id: str):
    require_role(PURCHASING_READERS, "see suppliers")
    sid = path_id(supplier_id, "supplier")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(suppliers).where(suppliers.c.id == sid)).first()
        if row is None:
            raise NotFound("supplier not found")
        return jsonify(supplier_body(row, prices_of(conn, sid)))


@bp.post("/suppliers/<supplier_id>/prices")
@api_doc(body=SupplierIn(only=("prices",)), response=out.Supplier, summary="Set a supplier's purchase prices")
def set_supplier_prices(supplier_id: str):
    """Body: {"prices": [{"product_id", "price"}]} — upserts purchase prices."""
    sid = path_id(supplier_id, "supplier")
    require_role(STOCK_WRITERS, "set purchase prices")
    data = load(SupplierIn(only=("prices",)))
    return jsonify(commands.set_supplier_prices(service_context(), event_context(), sid, data["prices"]))
