"""Warehouses, stock levels, the ledger, receipts, transfers, stocktaking and low-stock alerts."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from services.inventory import purchasing_store
from services.inventory.api import answers as out
from services.inventory.api.common import (
    STOCK_WRITERS,
    Id,
    check_products,
    check_warehouse,
    in_transaction,
    lines_field,
    str_ids,
)
from services.inventory.domain.stock import (
    Movement,
    adjustment_movements,
    merge_lines,
    transfer_movements,
)
from services.inventory.models import (
    adjustments,
    products,
    receipts,
    stock,
    stock_ledger,
    transfers,
    warehouses,
)
from services.inventory.stock_store import lock_levels, move_stock, write_movements
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.service import request_emitter, service_context
from shared.web import (
    count_and_page,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
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

    def work(conn):
        try:
            with conn.begin_nested():
                return conn.execute(warehouses.insert().values(id=str(uuid.uuid4()), **data)
                                    .returning(*warehouses.c)).one()
        except IntegrityError as exc:
            raise Conflict("a warehouse with this code exists", code="duplicate_warehouse") from exc

    return jsonify(warehouse_body(in_transaction(work))), 201


@bp.get("/warehouses")
@api_doc(page=out.Warehouse, summary="Warehouses")
def list_warehouses():
    page, per_page = page_args()
    query = sa.select(warehouses).order_by(warehouses.c.code, warehouses.c.id)
    if request.args.get("region"):
        query = query.where(warehouses.c.region == request.args["region"])
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

    def work(conn):
        query = warehouses.update().where(warehouses.c.id == wid)
        row = conn.execute((query.values(**changes) if changes else query.values(code=warehouses.c.code))
                           .returning(*warehouses.c)).first()
        if row is None:
            raise NotFound("warehouse not found")
        return row

    return jsonify(warehouse_body(in_transaction(work)))


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


# ---- documents ---------------------------------------------------------------------

class ReceiptIn(Schema):
    warehouse_id = Id(required=True)
    lines = lines_field()
    purchase_order_id = Id(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))


class TransferIn(Schema):
    from_warehouse_id = Id(required=True)
    to_warehouse_id = Id(required=True)
    lines = lines_field()
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))


class CountLine(Schema):
    product_id = Id(required=True)
    counted = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9))


class AdjustmentIn(Schema):
    warehouse_id = Id(required=True)
    lines = lines_field(CountLine)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


def document_body(row, **extra: Any) -> dict[str, Any]:
    body = {k: (iso(v) if k == "created_at" else v) for k, v in row._mapping.items()}
    return {**body, **extra}


@bp.post("/stock/receipts")
@api_doc(body=ReceiptIn, response=out.Receipt, status=201, summary="Receive stock into a warehouse")
def create_receipt():
    require_role(STOCK_WRITERS, "receive stock")
    data = load(ReceiptIn())
    lines = str_ids(data["lines"])

    def work(conn):
        wid = check_warehouse(conn, data["warehouse_id"])
        check_products(conn, [line["product_id"] for line in lines])
        if data["purchase_order_id"]:
            try:
                return purchasing_store.receive(conn, request_emitter(conn), str(data["purchase_order_id"]), wid, lines,
                                                actor_id=principal().user_id, note=data["note"])
            except NotFound:
                raise ValidationFailed("unknown purchase order",
                                       details={"purchase_order_id": ["no such purchase order"]}) from None
        rid = str(uuid.uuid4())
        merged = merge_lines(lines)
        move_stock(conn, request_emitter(conn), [Movement(wid, p, "receipt", q, 0) for p, q in merged.items()],
                   ref_type="receipt", ref_id=rid, actor_id=principal().user_id, create_rows=True)
        return conn.execute(receipts.insert().values(
            id=rid, warehouse_id=wid, purchase_order_id=None, note=data["note"],
            lines=[{"product_id": p, "quantity": q} for p, q in merged.items()], actor_id=principal().user_id,
        ).returning(*receipts.c)).one()

    return jsonify(document_body(in_transaction(work))), 201


@bp.post("/stock/transfers")
@api_doc(body=TransferIn, response=out.Transfer, status=201, summary="Move stock between warehouses")
def create_transfer():
    require_role(STOCK_WRITERS, "transfer stock")
    data = load(TransferIn())
    if data["from_warehouse_id"] == data["to_warehouse_id"]:
        raise ValidationFailed("a transfer needs two warehouses",
                               details={"to_warehouse_id": ["must differ from from_warehouse_id"]})
    lines = str_ids(data["lines"])

    def work(conn):
        src = check_warehouse(conn, data["from_warehouse_id"], "from_warehouse_id")
        dst = check_warehouse(conn, data["to_warehouse_id"], "to_warehouse_id")
        check_products(conn, [line["product_id"] for line in lines])
        tid = str(uuid.uuid4())
        merged = merge_lines(lines)
        move_stock(conn, request_emitter(conn), transfer_movements(src, dst, merged), ref_type="transfer", ref_id=tid,
                   actor_id=principal().user_id, note=data["note"], create_rows=True)
        return conn.execute(transfers.insert().values(
            id=tid, from_warehouse_id=src, to_warehouse_id=dst, note=data["note"], actor_id=principal().user_id,
            lines=[{"product_id": p, "quantity": q} for p, q in merged.items()],
        ).returning(*transfers.c)).one()

    return jsonify(document_body(in_transaction(work))), 201


@bp.post("/stock/adjustments")
@api_doc(body=AdjustmentIn, response=out.Adjustment, status=201, summary="Adjust stock to a count")
def create_adjustment():
    """Stocktaking: each line's adjustment = counted - on_hand; below reserved is a 409."""
    require_role(STOCK_WRITERS, "adjust stock")
    data = load(AdjustmentIn())
    counted: dict[str, int] = {}
    for line in data["lines"]:
        pid = str(line["product_id"])
        if pid in counted:
            raise ValidationFailed("a product is counted twice", details={"lines": [f"{pid} appears twice"]})
        counted[pid] = line["counted"]

    def work(conn):
        wid = check_warehouse(conn, data["warehouse_id"])
        check_products(conn, list(counted))
        aid = str(uuid.uuid4())
        levels = lock_levels(conn, [(wid, pid) for pid in counted], create=True)
        movements, lines = adjustment_movements(wid, levels, counted)
        write_movements(conn, request_emitter(conn), levels, movements, ref_type="adjustment", ref_id=aid,
                        actor_id=principal().user_id, note=data["reason"])
        return conn.execute(adjustments.insert().values(
            id=aid, warehouse_id=wid, reason=data["reason"], lines=lines, actor_id=principal().user_id,
        ).returning(*adjustments.c)).one()

    return jsonify(document_body(in_transaction(work))), 201


def _list_documents(table: sa.Table, filters: dict[str, str]):
    page, per_page = page_args()
    query = sa.select(table)
    for column, arg in filters.items():
        value = uuid_arg(request.args.get(arg), arg)
        if value:
            query = query.where(table.c[column] == value)
    query = query.order_by(table.c.created_at.desc(), table.c.id.desc())
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
    return page_response([document_body(r) for r in rows], total, page, per_page)


def _get_document(table: sa.Table, doc_id: str, what: str):
    did = path_id(doc_id, what)
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.id == did)).first()
    if row is None:
        raise NotFound(f"{what} not found")
    return jsonify(document_body(row))


@bp.get("/stock/receipts")
@api_doc(page=out.Receipt, summary="Stock receipts (warehouse_id, purchase_order_id)")
def list_receipts():
    return _list_documents(receipts, {"warehouse_id": "warehouse_id", "purchase_order_id": "purchase_order_id"})


@bp.get("/stock/receipts/<doc_id>")
@api_doc(response=out.Receipt, summary="A stock receipt")
def get_receipt(doc_id: str):
    return _get_document(receipts, doc_id, "receipt")


@bp.get("/stock/transfers")
@api_doc(page=out.Transfer, summary="Stock transfers (from_warehouse_id, to_warehouse_id)")
def list_transfers():
    return _list_documents(transfers, {"from_warehouse_id": "from_warehouse_id", "to_warehouse_id": "to_warehouse_id"})


@bp.get("/stock/transfers/<doc_id>")
@api_doc(response=out.Transfer, summary="A stock transfer")
def get_transfer(doc_id: str):
    return _get_document(transfers, doc_id, "transfer")


@bp.get("/stock/adjustments")
@api_doc(page=out.Adjustment, summary="Stock adjustments (warehouse_id)")
def list_adjustments():
    return _list_documents(adjustments, {"warehouse_id": "warehouse_id"})


@bp.get("/stock/adjustments/<doc_id>")
@api_doc(response=out.Adjustment, summary="A stock adjustment")
def get_adjustment(doc_id: str):
    return _get_document(adjustments, doc_id, "adjustment")


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
