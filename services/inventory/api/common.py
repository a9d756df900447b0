"""What every inventory endpoint shares: roles, transactions with deadlock retry, the
event emitter for requests, body fields and lookups."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from services.inventory.domain.stock import StockError
from services.inventory.models import products, warehouses
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.events.fields import MAX_MONEY
from shared.money import BadAmount, cents, fmt, to_decimal
from shared.outbox import Emitter
from shared.service import service_context
from shared.web import event_context, principal

T = TypeVar("T")

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

_RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def require_role(roles: frozenset[str], action: str = "do this") -> None:
    if principal().role not in roles:
        raise Forbidden(f"your role may not {action}", details={"allowed_roles": sorted(roles)})


def sees_cost() -> bool:
    return principal().role in COST_READERS


def in_transaction(work: Callable[[Connection], T], *, attempts: int = 3) -> T:
    """Run work(conn) in one transaction; a deadlock or serialization failure is retried
    (the whole transaction), a stock rule broken inside becomes a 409."""
    engine = service_context().engine
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code in _RETRYABLE and attempt < attempts:
                time.sleep(0.02 * attempt)
                continue
            if code == "23514":  # a CHECK constraint: a race the domain check did not see
                raise Conflict("a concurrent change conflicts with this request; nothing was written",
                               code="conflict") from exc
            raise
        except StockError as exc:
            raise Conflict(exc.message, code=exc.code, details=exc.details) from exc
    raise AssertionError("unreachable")


def emitter(conn: Connection) -> Emitter:
    """emit(...) for events caused by this request, written to the outbox in conn's transaction."""
    return Emitter(conn, service_context().outbox, event_context())


def path_id(value: str, what: str) -> str:
    """An id from the path: 404 when it is not a UUID."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError):
        raise NotFound(f"{what} not found") from None


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def money_out(value: Any) -> str | None:
    return fmt(value) if value is not None else None


class Money(fields.Field):
    """A decimal string or number, at least zero, kept as a Decimal rounded to cents, at
    most MAX_MONEY (what the NUMERIC(14,2) columns and the event contract hold)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any):
        try:
            amount = to_decimal(value)
        except BadAmount as exc:
            raise ValidationError("must be a decimal amount such as \"12.50\"") from exc
        if amount < 0:
            raise ValidationError("must not be negative")
        if amount > MAX_MONEY or cents(amount) > MAX_MONEY:  # magnitude first: cents(1e30) overflows
            raise ValidationError(f"must not exceed {MAX_MONEY}")
        return cents(amount)


def Id(**kw: Any) -> fields.Field:  # noqa: N802 - reads like a field type
    return fields.UUID(**kw)


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


def count_and_page(conn: Connection, query: sa.Select, page: int, per_page: int) -> tuple[list[Any], int]:
    """Total of a filtered select and one page of it (the query carries its ORDER BY)."""
    total = conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = conn.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, int(total)
