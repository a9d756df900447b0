"""Stock documents: receipts, transfers and stocktaking adjustments (views on the stock
blueprint; the writes are services/inventory/commands/stock.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory.api import answers as out
from services.inventory.api.common import STOCK_WRITERS, Id, lines_field, str_ids
from services.inventory.api.stock import bp
from services.inventory.commands import stock as commands
from services.inventory.models import adjustments, receipts, transfers
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
    principal,
    require_role,
    uuid_arg,
)


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

    row = commands.receive_stock(service_context(), event_context(), principal(), data, lines)
    return jsonify(document_body(row)), 201


@bp.post("/stock/transfers")
@api_doc(body=TransferIn, response=out.Transfer, status=201, summary="Move stock between warehouses")
def create_transfer():
    require_role(STOCK_WRITERS, "transfer stock")
    data = load(TransferIn())
    if data["from_warehouse_id"] == data["to_warehouse_id"]:
        raise ValidationFailed("a transfer needs two warehouses",
                               details={"to_warehouse_id": ["must differ from from_warehouse_id"]})
    lines = str_ids(data["lines"])

    row = commands.transfer_stock(service_context(), event_context(), principal(), data, lines)
    return jsonify(document_body(row)), 201


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

    row = commands.adjust_stock(service_context(), event_context(), principal(), data["warehouse_id"], counted,
                                data["reason"])
    return jsonify(document_body(row)), 201


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
