"""What the sales API's modules share that is sales' own: line schemas, the roles that
write, and the customer lookup with the 422-for-invisible rule. Path ids, role checks,
dates, ids and money fields come from shared.web and shared.fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.sales.config import SalesConfig
from shared.copies import CopyMissing
from shared.db import like_pattern
from shared.errors import ValidationFailed
from shared.fields import MAX_DEAL_AMOUNT, Money, Percent, uuid_field
from shared.identity import Principal
from shared.visibility import can_see_customer
from shared.web import require_role

WRITER_ROLES = ("admin", "manager", "sales")
MAX_LINES = 200


# The shared fields under the names sales' schemas use: money at most two decimal places
# up to the deal bound, percentages at most four (shared.fields: more is a 422, never rounded).
MoneyField = partial(Money, maximum=MAX_DEAL_AMOUNT)
PctField = Percent


class LineSchema(Schema):
    product_id = uuid_field(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000_000))
    unit_price = MoneyField(load_default=None, allow_none=True)
    unit_price_includes_tax = fields.Boolean(load_default=False)
    discount_pct = PctField(load_default=None, allow_none=True)
    tax_rate = PctField(load_default=None, allow_none=True)


def lines_field(**kw: Any) -> fields.List:
    return fields.List(fields.Nested(LineSchema), validate=validate.Length(min=1, max=MAX_LINES), **kw)


def config() -> SalesConfig:
    return current_app.extensions["sales_config"]


def writer() -> Principal:
    """The caller, if their role may change sales records (others: 403)."""
    return require_role(WRITER_ROLES, "change sales records")


def require_customer(conn: Connection, p: Principal, customer_id: str, field: str = "customer_id") -> str:
    """A customer named in a body must be one the caller sees (to write: an assignment
    grant's read access does not count) and not deleted (422 otherwise: an unknown and an
    invisible customer answer alike). A customer the local copy does not have yet is waited
    for (shared.copies). Returns its owner."""
    unknown = ValidationFailed("unknown customer", details={field: ["no such customer"]})
    row = conn.execute(sa.text("SELECT owner_id, status FROM acl_customers WHERE customer_id = :c"),
                       {"c": customer_id}).first()
    if row is None:  # just created in the customer service, or never: wait for the copy
        raise CopyMissing(unknown, ("acl_customers", customer_id))
    if not can_see_customer(conn, p, customer_id, "sales"):
        raise unknown
    if row.status == "deleted":
        raise ValidationFailed("deleted customer", details={field: ["the customer was deleted"]})
    return row.owner_id


def today() -> date:
    return datetime.now(UTC).date()


MAX_SEARCH = 100


def search_arg() -> str | None:
    """`q` from the query string (trimmed; at most 100 characters, 422 past it) or None."""
    raw = (request.args.get("q") or "").strip()
    if not raw:
        return None
    if len(raw) > MAX_SEARCH:
        raise ValidationFailed("invalid q", details={"q": [f"at most {MAX_SEARCH} characters"]})
    return raw


def customer_name_match(customer_id_col: ColumnElement, text: str) -> ColumnElement:
    """Rows whose customer's name (the local copy) contains `text`."""
    names = sa.select(sa.column("customer_id")).select_from(sa.table("acl_customers")).where(
        sa.column("name").ilike(like_pattern(text)))
    return customer_id_col.in_(names)


def sort_arg(allowed: dict[str, ColumnElement], default: list[Any], tiebreak: ColumnElement,
             ties: dict[str, ColumnElement] | None = None) -> list[Any]:
    """ORDER BY from `sort` (a key of `allowed`, `-key` for descending; 422 otherwise);
    empty values sort last either way, `ties` may name a key's own next column (e.g. the
    ship queue's undated orders oldest first), and `tiebreak` makes paging stable."""
    raw = (request.args.get("sort") or "").strip()
    if not raw:
        return default
    key = raw[1:] if raw.startswith("-") else raw
    column = allowed.get(key)
    if column is None:
        options = ", ".join(sorted(allowed))
        raise ValidationFailed("invalid sort", details={"sort": [f"one of {options} (with - for descending)"]})
    then = [(ties or {})[key]] if key in (ties or {}) else []
    if raw.startswith("-"):
        return [column.desc().nulls_last(), *(c.desc() for c in then), tiebreak.desc()]
    return [column.asc().nulls_last(), *(c.asc() for c in then), tiebreak.asc()]
