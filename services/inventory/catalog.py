"""Products in the database: create and update with the duplicate rule, and their
snapshot events (inventory.product.created / updated carry the full product)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from services.inventory.domain.stock import is_low
from services.inventory.models import products
from shared.errors import Conflict
from shared.money import fmt
from shared.outbox import Emitter

EDITABLE = ("sku", "name", "spec", "unit", "list_price", "cost_price", "safety_stock", "active")
PRICES = ("list_price", "cost_price")


def snapshot(row: Row | dict) -> dict[str, Any]:
    """The product as events carry it."""
    r = row._mapping if isinstance(row, Row) else row
    return {
        "id": r["id"], "sku": r["sku"], "name": r["name"], "spec": r["spec"], "unit": r["unit"],
        "list_price": fmt(r["list_price"]),
        "cost_price": fmt(r["cost_price"]) if r["cost_price"] is not None else None,
        "safety_stock": int(r["safety_stock"]), "active": bool(r["active"]),
    }


def to_api(row: Row, *, with_cost: bool) -> dict[str, Any]:
    """The product as the API shows it; cost_price only to those who may see costs."""
    out = {**snapshot(row), "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}
    picture_at = getattr(row, "picture_updated_at", None)
    out["picture_updated_at"] = picture_at.isoformat() if picture_at else None
    if not with_cost:
        del out["cost_price"]
    return out


class PriceChangeRefused(Exception):
    """The caller may not change prices and the change would alter one."""

    def __init__(self, fields: list[str]):
        super().__init__(", ".join(fields))
        self.fields = fields


def find_duplicate(conn: Connection, sku: str, name: str, spec: str | None, *, except_id: str | None = None) -> str | None:
    cond = sa.or_(
        sa.func.lower(products.c.sku) == sku.lower(),
        sa.and_(sa.func.lower(products.c.name) == name.lower(),
                sa.func.lower(sa.func.coalesce(products.c.spec, "")) == (spec or "").lower()),
    )
    query = sa.select(products.c.id).where(cond)
    if except_id:
        query = query.where(products.c.id != except_id)
    return conn.execute(query.limit(1)).scalar()


def _duplicate(existing_id: str | None) -> Conflict:
    return Conflict("a product with this SKU or this name and spec exists", code="duplicate_product",
                    details={"existing_id": existing_id} if existing_id else {})


def create_product(conn: Connection, emit: Emitter, data: dict[str, Any]) -> Row:
    """Insert a product (409 duplicate_product) and publish inventory.product.created."""
    values = {k: data.get(k) for k in EDITABLE}
    values["spec"] = values["spec"] or None
    values["safety_stock"] = values["safety_stock"] or 0
    values["active"] = True if values["active"] is None else values["active"]
    existing = find_duplicate(conn, values["sku"], values["name"], values["spec"])
    if existing:
        raise _duplicate(existing)
    values["id"] = str(uuid.uuid4())
    savepoint = conn.begin_nested()
    try:
        row = conn.execute(products.insert().values(**values).returning(*products.c)).one()
        savepoint.commit()
    except IntegrityError as exc:  # a concurrent insert of the same product
        savepoint.rollback()
        raise _duplicate(find_duplicate(conn, values["sku"], values["name"], values["spec"])) from exc
    emit("inventory.product.created", aggregate_type="product", aggregate_id=row.id, data=snapshot(row))
    return row


def update_product(conn: Connection, emit: Emitter, product_id: str, changes: dict[str, Any], *,
                   may_set_prices: bool = True) -> Row | None:
    """Apply changes (409 duplicate_product), publish inventory.product.updated; None when
    the product does not exist. Raising safety stock above availability raises stock.low.
    Without may_set_prices a change of list_price or cost_price raises PriceChangeRefused
    (sending the current value again is no change)."""
    current = conn.execute(sa.select(products).where(products.c.id == product_id).with_for_update()).first()
    if current is None:
        return None
    values = {k: v for k, v in changes.items() if k in EDITABLE}
    if not may_set_prices:
        altered = [k for k in PRICES if k in values and values[k] != current._mapping[k]]
        if altered:
            raise PriceChangeRefused(altered)
    if "spec" in values:
        values["spec"] = values["spec"] or None
    merged = {**current._mapping, **values}
    existing = find_duplicate(conn, merged["sku"], merged["name"], merged["spec"], except_id=product_id)
    if existing:
        raise _duplicate(existing)
    if not values:
        return current
    savepoint = conn.begin_nested()
    try:
        row = conn.execute(
            products.update().where(products.c.id == product_id)
            .values(**values, updated_at=sa.func.now()).returning(*products.c)
        ).one()
        savepoint.commit()
    except IntegrityError as exc:
        savepoint.rollback()
        raise _duplicate(None) from exc
    emit("inventory.product.updated", aggregate_type="product", aggregate_id=product_id, data=snapshot(row))
    if row.safety_stock != current.safety_stock:
        total = total_available(conn, product_id)
        if is_low(row.safety_stock, total) and not is_low(current.safety_stock, total):
            emit("inventory.stock.low", aggregate_type="stock_alert", aggregate_id=product_id, data={
                "product_id": product_id, "sku": row.sku, "name": row.name, "available": total,
                "safety_stock": row.safety_stock})
    return row


def total_available(conn: Connection, product_id: str) -> int:
    return int(conn.execute(
        sa.text("SELECT COALESCE((SELECT available FROM product_stock WHERE product_id = :p), 0)"),
        {"p": product_id}).scalar_one())
