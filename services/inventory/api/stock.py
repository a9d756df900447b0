"""Warehouses, stock levels, the ledger and low-stock alerts (the stock documents are
api/stock_documents.py, on this blueprint; the writes are services/inventory/commands/stock.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory.api import answers as out
from services.inventory.api.common import STOCK_WRITERS
from services.inventory.commands import stock as commands
from services.inventory.models import (
    products,
    stock,
    stock_ledger,
    warehouses,
)
from shared.db import like_pattern
from shared.errors import NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    require_role,
    uuid_arg,
)

bp = Blueprint("inventory_stock", __name__)


# ---- warehouses --------------------------------------------------------------------

class WarehouseIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    region = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=40))
    active = fields.Boolean(load_default=True)


def warehouse_body(row) -> dict[str, Any]:
    return {"id": row.id, "code": row.code, "name": row.name, "region": row.region, "active": row.active,
            "created_at": iso(row.created_at)}


@bp.post("/warehouses")
@api_doc(body=WarehouseIn, response=out.Warehouse, status=201, summary="Create a warehouse")
def create_warehouse():
    require_role(STOCK_WRITERS, "create warehouses")
    data = load(WarehouseIn())
    data["code"], data["name"] = data["code"].strip(), data["name"].strip()

    row = commands.create_warehouse(service_context(), event_context(), data)
    return jsonify(warehouse_body(row)), 201


@bp.get("/warehouses")
@api_doc(page=out.Warehouse, summary="Warehouses (region; q: part of the code or name, as a picker searches)")
def list_warehouses():
    page, per_page = page_args()
    query = sa.select(warehouses).order_by(warehouses.c.code, warehouses.c.id)
    if request.args.get("region"):
        query = query.where(warehouses.c.region == request.args["region"])
    q = (request.args.get("q") or "").strip()[:100]
    if q:
        query = query.where(sa.or_(warehouses.c.code.ilike(like_pattern(q)), warehouses.c.name.ilike(like_pattern(q))))
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
    return page_response([warehouse_body(r) for r in rows], total, page, per_page)


@bp.get("/warehouses/<warehouse_id>")
@api_doc(response=out.Warehouse, summary="A warehouse")
def get_warehouse(warehouse_id: str):
    wid = path_id(warehouse_id, "warehouse")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(warehouses).where(warehouses.c.id == wid)).first()
    if row is None:
        raise NotFound("warehouse not found")
    return jsonify(warehouse_body(row))


@bp.patch("/warehouses/<warehouse_id>")
@api_doc(body=WarehouseIn(only=("name", "region", "active"), partial=True), response=out.Warehouse, summary="Change a warehouse (name, region, active)")
def patch_warehouse(warehouse_id: str):
    """name, region, active (an inactive warehouse takes no new stock and is not chosen
    for orders that name no warehouse)."""
    wid = path_id(warehouse_id, "warehouse")
    require_role(STOCK_WRITERS, "change warehouses")
    changes = load(WarehouseIn(only=("name", "region", "active")), partial=True)
    if changes.get("name") is not None:
        changes["name"] = changes["name"].strip()
    if any(changes.get(k) is None for k in ("name", "active") if k in changes):
        raise ValidationFailed("invalid fields", details={"_schema": ["name and active must not be null"]})

    return jsonify(warehouse_body(commands.change_warehouse(service_context(), event_context(), wid, changes)))


# ---- levels and ledger -------------------------------------------------------------

def level_body(row) -> dict[str, Any]:
    return {"product_id": row.product_id, "warehouse_id": row.warehouse_id, "on_hand": row.on_hand,
            "reserved": row.reserved, "available": row.on_hand - row.reserved}


@bp.get("/stock")
@api_doc(page=out.StockLevel, summary="Stock levels (product_id, warehouse_id)")
def list_stock():
    page, per_page = page_args()
    query = sa.select(stock).order_by(stock.c.product_id, stock.c.warehouse_id)
    pid = uuid_arg(request.args.get("product_id"), "product_id")
    wid = uuid_arg(request.args.get("warehouse_id"), "warehouse_id")
    if pid:
        query = query.where(stock.c.product_id == pid)
    if wid:
        query = query.where(stock.c.warehouse_id == wid)
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
        names = _names(conn, [r.product_id for r in rows], [r.warehouse_id for r in rows])
    return page_response([{**level_body(r), **names(r)} for r in rows], total, page, per_page)


def _names(conn, product_ids: list[str], warehouse_ids: list[str]):
    """What a person reads on a stock line: the product's SKU and name, the warehouse's name."""
    prods = {p.id: p for p in conn.execute(sa.select(products.c.id, products.c.sku, products.c.name, products.c.unit)
                                          .where(products.c.id.in_(set(product_ids))))} if product_ids else {}
    whs = {w.id: w.name for w in conn.execute(sa.select(warehouses.c.id, warehouses.c.name)
                                             .where(warehouses.c.id.in_(set(warehouse_ids))))} if warehouse_ids else {}

    def of(row) -> dict[str, Any]:
        p = prods.get(row.product_id)
        return {"sku": p.sku if p else None, "product_name": p.name if p else None, "unit": p.unit if p else None,
                "warehouse_name": whs.get(row.warehouse_id)}
    return of


@bp.get("/stock/ledger")
@api_doc(page=out.LedgerEntry, summary="A product's stock movements (product_id required, warehouse_id)")
def list_ledger():
    """Every movement of one product (optionally in one warehouse), newest first. Admin and
    warehouse only: its references name orders and loans of every customer."""
    require_role(STOCK_WRITERS, "read the stock ledger")
    page, per_page = page_args()
    pid = uuid_arg(request.args.get("product_id"), "product_id")
    if not pid:
        raise ValidationFailed("product_id is required", details={"product_id": ["required"]})
    wid = uuid_arg(request.args.get("warehouse_id"), "warehouse_id")
    query = sa.select(stock_ledger).where(stock_ledger.c.product_id == pid)
    if wid:
        query = query.where(stock_ledger.c.warehouse_id == wid)
    query = query.order_by(stock_ledger.c.id.desc())
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
    items = [{"id": r.id, "product_id": r.product_id, "warehouse_id": r.warehouse_id, "kind": r.kind,
              "on_hand_delta": r.on_hand_delta, "reserved_delta": r.reserved_delta, "ref_type": r.ref_type,
              "ref_id": r.ref_id, "actor_id": r.actor_id, "note": r.note, "created_at": iso(r.created_at)}
             for r in rows]
    return page_response(items, total, page, per_page)


# ---- alerts ------------------------------------------------------------------------

_LOW = (
    "FROM products p LEFT JOIN product_stock s ON s.product_id = p.id "
    "WHERE p.active AND p.safety_stock > 0 AND COALESCE(s.available, 0) < p.safety_stock"
)


@bp.get("/alerts/low-stock")
@api_doc(page=out.LowStock, summary="Products below their safety stock")
def low_stock():
    """Products whose available stock (all warehouses) is below their safety stock."""
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) " + _LOW)).scalar_one()
        rows = conn.execute(sa.text(
            "SELECT p.id, p.sku, p.name, p.safety_stock, COALESCE(s.available, 0) AS available " + _LOW
            + " ORDER BY p.safety_stock - COALESCE(s.available, 0) DESC, p.sku, p.id LIMIT :l OFFSET :o"),
            {"l": per_page, "o": (page - 1) * per_page}).all()
    items = [{"product_id": r.id, "sku": r.sku, "name": r.name, "available": int(r.available),
              "safety_stock": r.safety_stock, "shortfall": r.safety_stock - int(r.available)} for r in rows]
    return page_response(items, int(total), page, per_page)
