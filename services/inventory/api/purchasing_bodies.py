"""How purchasing's records read in an answer: suppliers with their prices, purchase orders
with their lines, supplier invoices and payments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.inventory.models import purchase_order_lines, supplier_prices
from shared.money import fmt_optional
from shared.web import iso


def prices_of(conn: Connection, supplier_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(supplier_prices).where(supplier_prices.c.supplier_id == supplier_id)
                        .order_by(supplier_prices.c.product_id).limit(1000)).all()
    return [{"product_id": r.product_id, "price": fmt_optional(r.price)} for r in rows]


def supplier_body(row: Row, prices: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body = {"id": row.id, "name": row.name, "contact": row.contact, "phone": row.phone, "address": row.address,
            "created_at": iso(row.created_at)}
    if prices is not None:
        body["prices"] = prices
    return body


def po_body(conn: Connection, row: Row) -> dict[str, Any]:
    lines = conn.execute(sa.select(purchase_order_lines).where(purchase_order_lines.c.purchase_order_id == row.id)
                         .order_by(purchase_order_lines.c.product_id)).all()
    return {"id": row.id, "supplier_id": row.supplier_id, "warehouse_id": row.warehouse_id, "status": row.status,
            "total": fmt_optional(row.total), "invoiced_amount": fmt_optional(row.invoiced_amount),
            "paid_amount": fmt_optional(row.paid_amount), "actor_id": row.actor_id, "created_at": iso(row.created_at),
            "lines": [{"product_id": r.product_id, "quantity": r.quantity, "received": r.received,
                       "unit_price": fmt_optional(r.unit_price), "amount": fmt_optional(r.unit_price * r.quantity)}
                      for r in lines]}


def money_doc(row: Row) -> dict[str, Any]:
    body = {k: v for k, v in row._mapping.items()}
    body["amount"] = fmt_optional(row.amount)
    for k in ("created_at", "paid_at", "invoice_date"):
        if k in body:
            body[k] = iso(body[k])
    return body
