"""Purchasing commands: suppliers and their purchase prices, purchase orders, receiving
(full or partial, raises stock), supplier invoices and payments (each at most the order's
total). Each answers what its view renders, read in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from services.inventory import purchasing_store
from services.inventory.api.common import check_products, check_warehouse
from services.inventory.api.purchasing_bodies import money_doc, po_body, prices_of, supplier_body
from services.inventory.commands import in_transaction
from services.inventory.models import (
    purchase_order_lines,
    purchase_orders,
    supplier_invoices,
    supplier_payments,
    supplier_prices,
    suppliers,
)
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.money import cents, fmt_optional
from shared.outbox import EventContext
from shared.service import ServiceContext


def _set_prices(conn, supplier_id: str, prices: list[dict[str, Any]]) -> None:
    if prices:
        check_products(conn, [str(p["product_id"]) for p in prices], "prices")
        purchasing_store.set_supplier_prices(conn, supplier_id, prices)


def create_supplier(ctx: ServiceContext, events: EventContext, data: Mapping[str, Any]) -> dict[str, Any]:
    """409 duplicate_supplier for a name in use."""
    def work(conn, _emit):
        sid = str(uuid.uuid4())
        try:
            with conn.begin_nested():
                row = conn.execute(suppliers.insert().values(
                    id=sid, **{k: data[k] for k in ("name", "contact", "phone", "address")}
                ).returning(*suppliers.c)).one()
        except IntegrityError as exc:
            raise Conflict("a supplier with this name exists", code="duplicate_supplier") from exc
        _set_prices(conn, sid, data["prices"])
        return supplier_body(row, prices_of(conn, sid))

    return in_transaction(ctx, events, work)


def set_supplier_prices(ctx: ServiceContext, events: EventContext, supplier_id: str,
                        prices: list[dict[str, Any]]) -> dict[str, Any]:
    def work(conn, _emit):
        row = conn.execute(sa.select(suppliers).where(suppliers.c.id == supplier_id)).first()
        if row is None:
            raise NotFound("supplier not found")
        _set_prices(conn, supplier_id, prices)
        return supplier_body(row, prices_of(conn, supplier_id))

    return in_transaction(ctx, events, work)


def create_purchase_order(ctx: ServiceContext, events: EventContext, p: Principal, data: Mapping[str, Any],
                          merged: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Lines priced by their unit_price or else the supplier's purchase price (422 for a
    line with neither)."""
    def work(conn, _emit):
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
        return po_body(conn, insert_purchase_order(conn, p.user_id, sid, wid, priced))

    return in_transaction(ctx, events, work)


def insert_purchase_order(conn: Connection, actor_id: str, supplier_id: str, warehouse_id: str,
                          priced: list[dict[str, Any]]) -> Row:
    """An open purchase order of priced lines ({product_id, quantity, unit_price}), its total
    their sum; the row as written."""
    total = cents(sum((Decimal(x["unit_price"]) * x["quantity"] for x in priced), Decimal("0")))
    po_id = str(uuid.uuid4())
    conn.execute(purchase_orders.insert().values(id=po_id, supplier_id=supplier_id, warehouse_id=warehouse_id,
                                                 status="open", total=total, actor_id=actor_id))
    conn.execute(purchase_order_lines.insert(), [{"purchase_order_id": po_id, **x} for x in priced])
    return conn.execute(sa.select(purchase_orders).where(purchase_orders.c.id == po_id)).one()


def receive_purchase_order(ctx: ServiceContext, events: EventContext, p: Principal, po_id: str,
                           data: Mapping[str, Any]) -> Row:
    """No lines = everything still open; 409 over_receipt past what was ordered."""
    def work(conn, emit):
        purchasing_store.lock_purchase_order(conn, po_id)
        wid = check_warehouse(conn, data["warehouse_id"]) if data["warehouse_id"] else None
        lines = [{"product_id": str(x["product_id"]), "quantity": x["quantity"]} for x in data["lines"] or []]
        return purchasing_store.receive(conn, emit, po_id, wid, lines or None, actor_id=p.user_id, note=data["note"])

    return in_transaction(ctx, events, work)


def _book_on_order(conn: Connection, po_id: str, column: str, amount: Decimal, *, what: str, code: str,
                   label: str) -> None:
    """Add amount to the locked purchase order's invoiced_amount or paid_amount: 409 `code`
    when the sum would pass the order's total."""
    po = purchasing_store.lock_purchase_order(conn, po_id, lock=True)
    booked = getattr(po, column)
    if booked + amount > po.total:
        raise Conflict(f"{what} would exceed the purchase order's total", code=code,
                       details={"total": fmt_optional(po.total), label: fmt_optional(booked)})
    conn.execute(purchase_orders.update().where(purchase_orders.c.id == po_id)
                 .values({column: purchase_orders.c[column] + amount}))


def add_supplier_invoice(ctx: ServiceContext, events: EventContext, p: Principal, po_id: str,
                         data: Mapping[str, Any]) -> dict[str, Any]:
    """All invoices at most the order's total (409 over_invoiced); 409 duplicate_invoice."""
    def work(conn, _emit):
        _book_on_order(conn, po_id, "invoiced_amount", data["amount"], what="invoices", code="over_invoiced",
                       label="invoiced")
        try:
            with conn.begin_nested():
                row = conn.execute(supplier_invoices.insert().values(
                    id=str(uuid.uuid4()), purchase_order_id=po_id, number=data["number"].strip(),
                    amount=data["amount"], invoice_date=data["invoice_date"], actor_id=p.user_id,
                ).returning(*supplier_invoices.c)).one()
        except IntegrityError as exc:
            raise Conflict("this invoice number is recorded already", code="duplicate_invoice") from exc
        return money_doc(row)

    return in_transaction(ctx, events, work)


def add_supplier_payment(ctx: ServiceContext, events: EventContext, p: Principal, po_id: str,
                         data: Mapping[str, Any]) -> dict[str, Any]:
    """All payments at most the order's total (409 over_paid)."""
    def work(conn, _emit):
        _book_on_order(conn, po_id, "paid_amount", data["amount"], what="payments", code="over_paid", label="paid")
        return money_doc(conn.execute(supplier_payments.insert().values(
            id=str(uuid.uuid4()), purchase_order_id=po_id, amount=data["amount"], method=data["method"],
            paid_at=data["paid_at"], actor_id=p.user_id,
        ).returning(*supplier_payments.c)).one())

    return in_transaction(ctx, events, work)
