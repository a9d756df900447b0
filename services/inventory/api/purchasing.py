"""Purchasing: suppliers with purchase prices, purchase orders, receiving (full or
partial, raises stock), supplier invoices and payments."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from services.inventory import purchasing_store
from services.inventory.api import answers as out
from services.inventory.api.common import (
    PURCHASING_PAYERS,
    PURCHASING_READERS,
    STOCK_WRITERS,
    Id,
    check_products,
    check_warehouse,
    in_transaction,
)
from services.inventory.api.stock import document_body
from services.inventory.models import (
    purchase_order_lines,
    purchase_orders,
    supplier_invoices,
    supplier_payments,
    supplier_prices,
    suppliers,
)
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.fields import AwareDateTime, Date, Money
from shared.money import cents, fmt_optional
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


# ---- suppliers ---------------------------------------------------------------------

def _prices(conn, supplier_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(supplier_prices).where(supplier_prices.c.supplier_id == supplier_id)
                        .order_by(supplier_prices.c.product_id).limit(1000)).all()
    return [{"product_id": r.product_id, "price": fmt_optional(r.price)} for r in rows]


def supplier_body(row, prices: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body = {"id": row.id, "name": row.name, "contact": row.contact, "phone": row.phone, "address": row.address,
            "created_at": iso(row.created_at)}
    if prices is not None:
        body["prices"] = prices
    return body


def _set_prices(conn, supplier_id: str, prices: list[dict[str, Any]]) -> None:
    if not prices:
        return
    check_products(conn, [str(p["product_id"]) for p in prices], "prices")
    for p in prices:
        conn.execute(sa.text(
            "INSERT INTO supplier_prices (supplier_id, product_id, price) VALUES (:s, :p, :v) "
            "ON CONFLICT (supplier_id, product_id) DO UPDATE SET price = EXCLUDED.price, updated_at = now()"),
            {"s": supplier_id, "p": str(p["product_id"]), "v": p["price"]})


@bp.post("/suppliers")
@api_doc(body=SupplierIn, response=out.Supplier, status=201, summary="Create a supplier with its purchase prices")
def create_supplier():
    require_role(STOCK_WRITERS, "add suppliers")
    data = load(SupplierIn())
    data["name"] = data["name"].strip()

    def work(conn):
        sid = str(uuid.uuid4())
        try:
            with conn.begin_nested():
                row = conn.execute(suppliers.insert().values(
                    id=sid, **{k: data[k] for k in ("name", "contact", "phone", "address")}
                ).returning(*suppliers.c)).one()
        except IntegrityError as exc:
            raise Conflict("a supplier with this name exists", code="duplicate_supplier") from exc
        _set_prices(conn, sid, data["prices"])
        return supplier_body(row, _prices(conn, sid))

    return jsonify(in_transaction(work)), 201


@bp.get("/suppliers")
@api_doc(page=out.Supplier, summary="Suppliers")
def list_suppliers():
    require_role(PURCHASING_READERS, "see suppliers")
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, sa.select(suppliers).order_by(suppliers.c.name, suppliers.c.id),
                                     page, per_page)
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
        return jsonify(supplier_body(row, _prices(conn, sid)))


@bp.post("/suppliers/<supplier_id>/prices")
@api_doc(body=SupplierIn(only=("prices",)), response=out.Supplier, summary="Set a supplier's purchase prices")
def set_supplier_prices(supplier_id: str):
    """Body: {"prices": [{"product_id", "price"}]} — upserts purchase prices."""
    sid = path_id(supplier_id, "supplier")
    require_role(STOCK_WRITERS, "set purchase prices")
    data = load(SupplierIn(only=("prices",)))

    def work(conn):
        row = conn.execute(sa.select(suppliers).where(suppliers.c.id == sid)).first()
        if row is None:
            raise NotFound("supplier not found")
        _set_prices(conn, sid, data["prices"])
        return supplier_body(row, _prices(conn, sid))

    return jsonify(in_transaction(work))


# ---- purchase orders ---------------------------------------------------------------

def po_body(conn, row) -> dict[str, Any]:
    lines = conn.execute(sa.select(purchase_order_lines).where(purchase_order_lines.c.purchase_order_id == row.id)
                         .order_by(purchase_order_lines.c.product_id)).all()
    return {"id": row.id, "supplier_id": row.supplier_id, "warehouse_id": row.warehouse_id, "status": row.status,
            "total": fmt_optional(row.total), "invoiced_amount": fmt_optional(row.invoiced_amount),
            "paid_amount": fmt_optional(row.paid_amount), "actor_id": row.actor_id, "created_at": iso(row.created_at),
            "lines": [{"product_id": r.product_id, "quantity": r.quantity, "received": r.received,
                       "unit_price": fmt_optional(r.unit_price), "amount": fmt_optional(r.unit_price * r.quantity)}
                      for r in lines]}


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

    def work(conn):
        sid = str(data["supplier_id"])
        if conn.execute(sa.select(suppliers.c.id).where(suppliers.c.id == sid)).first() is None:
            raise ValidationFailed("unknown supplier", details={"supplier_id": ["no such supplier"]})
        wid = check_warehouse(conn, data["warehouse_id"])
        check_products(conn, list(merged))
        known = {r.product_id: r.price for r in conn.execute(
            sa.select(supplier_prices).where(supplier_prices.c.supplier_id == sid,
                                             supplier_prices.c.product_id.in_(list(merged))))}
        priced, missing = [], []
        for pid, line in sorted(merged.items()):
            price = line["unit_price"] if line["unit_price"] is not None else known.get(pid)
            if price is None:
                missing.append(f"no unit_price and no purchase price from this supplier for {pid}")
            priced.append({"product_id": pid, "quantity": line["quantity"], "unit_price": price})
        if missing:
            raise ValidationFailed("lines without a price", details={"lines": missing})
        total = cents(sum((Decimal(p["unit_price"]) * p["quantity"] for p in priced), Decimal("0")))
        po_id = str(uuid.uuid4())
        conn.execute(purchase_orders.insert().values(id=po_id, supplier_id=sid, warehouse_id=wid, status="open",
                                                     total=total, actor_id=principal().user_id))
        conn.execute(purchase_order_lines.insert(), [{"purchase_order_id": po_id, **p} for p in priced])
        return po_body(conn, conn.execute(sa.select(purchase_orders).where(purchase_orders.c.id == po_id)).one())

    return jsonify(in_transaction(work)), 201


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


def _po_or_404(conn, po_id: str, *, lock: bool = False):
    query = sa.select(purchase_orders).where(purchase_orders.c.id == po_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("purchase order not found")
    return row


@bp.get("/purchase-orders/<po_id>")
@api_doc(response=out.PurchaseOrder, summary="A purchase order with its lines")
def get_purchase_order(po_id: str):
    require_role(PURCHASING_READERS, "see purchase orders")
    pid = path_id(po_id, "purchase order")
    with service_context().engine.connect() as conn:
        return jsonify(po_body(conn, _po_or_404(conn, pid)))


@bp.post("/purchase-orders/<po_id>/receive")
@api_doc(body=ReceiveIn, response=out.Receipt, status=201, summary="Receive a purchase order's goods (all that is open, or the lines given)")
def receive_purchase_order(po_id: str):
    """Body (optional): {"warehouse_id"?, "lines"?, "note"?}; no lines = everything still
    open. 201 with the receipt; 409 over_receipt past what was ordered."""
    pid = path_id(po_id, "purchase order")
    require_role(STOCK_WRITERS, "receive purchase orders")
    data = load(ReceiveIn())

    def work(conn):
        _po_or_404(conn, pid)
        wid = check_warehouse(conn, data["warehouse_id"]) if data["warehouse_id"] else None
        lines = [{"product_id": str(x["product_id"]), "quantity": x["quantity"]} for x in data["lines"] or []]
        return purchasing_store.receive(conn, request_emitter(conn), pid, wid, lines or None,
                                        actor_id=principal().user_id, note=data["note"])

    return jsonify(document_body(in_transaction(work))), 201


def _money_doc(row) -> dict[str, Any]:
    body = {k: v for k, v in row._mapping.items()}
    body["amount"] = fmt_optional(row.amount)
    for k in ("created_at", "paid_at", "invoice_date"):
        if k in body:
            body[k] = iso(body[k])
    return body


@bp.post("/purchase-orders/<po_id>/invoices")
@api_doc(body=InvoiceIn, response=out.SupplierInvoice, status=201, summary="Record a supplier invoice")
def add_supplier_invoice(po_id: str):
    """A supplier's invoice against the order; all invoices at most the order's total (409)."""
    pid = path_id(po_id, "purchase order")
    require_role(PURCHASING_PAYERS, "record supplier invoices")
    data = load(InvoiceIn())

    def work(conn):
        po = _po_or_404(conn, pid, lock=True)
        if po.invoiced_amount + data["amount"] > po.total:
            raise Conflict("invoices would exceed the purchase order's total", code="over_invoiced",
                           details={"total": fmt_optional(po.total), "invoiced": fmt_optional(po.invoiced_amount)})
        try:
            with conn.begin_nested():
                row = conn.execute(supplier_invoices.insert().values(
                    id=str(uuid.uuid4()), purchase_order_id=pid, number=data["number"].strip(),
                    amount=data["amount"], invoice_date=data["invoice_date"], actor_id=principal().user_id,
                ).returning(*supplier_invoices.c)).one()
        except IntegrityError as exc:
            raise Conflict("this invoice number is recorded already", code="duplicate_invoice") from exc
        conn.execute(purchase_orders.update().where(purchase_orders.c.id == pid)
                     .values(invoiced_amount=purchase_orders.c.invoiced_amount + data["amount"]))
        return _money_doc(row)

    return jsonify(in_transaction(work)), 201


@bp.post("/purchase-orders/<po_id>/payments")
@api_doc(body=PaymentIn, response=out.SupplierPayment, status=201, summary="Record a payment to the supplier")
def add_supplier_payment(po_id: str):
    """A payment to the supplier; all payments at most the order's total (409)."""
    pid = path_id(po_id, "purchase order")
    require_role(PURCHASING_PAYERS, "record supplier payments")
    data = load(PaymentIn())

    def work(conn):
        po = _po_or_404(conn, pid, lock=True)
        if po.paid_amount + data["amount"] > po.total:
            raise Conflict("payments would exceed the purchase order's total", code="over_paid",
                           details={"total": fmt_optional(po.total), "paid": fmt_optional(po.paid_amount)})
        row = conn.execute(supplier_payments.insert().values(
            id=str(uuid.uuid4()), purchase_order_id=pid, amount=data["amount"], method=data["method"],
            paid_at=data["paid_at"], actor_id=principal().user_id,
        ).returning(*supplier_payments.c)).one()
        conn.execute(purchase_orders.update().where(purchase_orders.c.id == pid)
                     .values(paid_amount=purchase_orders.c.paid_amount + data["amount"]))
        return _money_doc(row)

    return jsonify(in_transaction(work)), 201


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
        _po_or_404(conn, pid)
        query = sa.select(table).where(table.c.purchase_order_id == pid).order_by(
            table.c.created_at.desc(), table.c.id.desc())
        rows, total = count_and_page(conn, query, page, per_page)
    return page_response([_money_doc(r) for r in rows], total, page, per_page)
