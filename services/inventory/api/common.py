"""What inventory's endpoints and commands share that is inventory's own: roles, line
schemas and lookups of warehouses and products. Path ids, role checks, paging, ids and
money fields come from shared.web and shared.fields; the transaction with deadlock retry is
services/inventory/commands/__init__.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection

from services.inventory.models import products, warehouses
from shared.errors import ValidationFailed
from shared.fields import uuid_field
from shared.web import principal

# Who may write what (reads of products, warehouses and stock are open to every role).
STOCK_WRITERS = frozenset({"admin", "warehouse"})
# Who may change a product's prices (list_price, cost_price): not the warehouse, which
# keeps every other product field.
PRICE_SETTERS = frozenset({"admin"})
# Who sees cost prices (every other role gets products without the cost_price field).
COST_READERS = frozenset({"admin", "finance", "manager"})
PURCHASING_READERS = frozenset({"admin", "warehouse", "finance", "manager"})
PURCHASING_PAYERS = frozenset({"admin", "warehouse", "finance"})
MAX_LINES = 500


def sees_cost() -> bool:
    return principal().role in COST_READERS


# The shared id field under the name inventory's schemas use (shared.fields.uuid_field).
Id = uuid_field


class QuantityLine(Schema):
    product_id = Id(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**7))


def lines_field(line_schema: type[Schema] = QuantityLine) -> fields.List:
    return fields.List(fields.Nested(line_schema), required=True,
                       validate=validate.Length(min=1, max=MAX_LINES))


def str_ids(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**line, "product_id": str(line["product_id"])} for line in lines]


def check_warehouse(conn: Connection, warehouse_id: Any, field: str = "warehouse_id") -> str:
    """422 when the warehouse does not exist or is inactive."""
    wid = str(warehouse_id)
    active = conn.execute(sa.select(warehouses.c.active).where(warehouses.c.id == wid)).scalar()
    if active is None:
        raise ValidationFailed("unknown warehouse", details={field: ["no such warehouse"]})
    if not active:
        raise ValidationFailed("inactive warehouse", details={field: ["the warehouse is inactive"]})
    return wid


def check_products(conn: Connection, product_ids: list[str], field: str = "lines") -> None:
    """422 naming every product id that does not exist."""
    wanted = sorted(set(product_ids))
    found = set(conn.execute(sa.select(products.c.id).where(products.c.id.in_(wanted))).scalars())
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        raise ValidationFailed("unknown products", details={field: [f"no such product: {pid}" for pid in missing]})
