"""What the sales API's modules share: field types for money and percentages, line
schemas, the caller's rights, and lookups with the 404-for-invisible rule."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.sales.config import SalesConfig
from services.sales.domain.money import parse_pct, parse_price
from shared.copies import CopyMissing
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.events.fields import MAX_YEAR, MIN_YEAR, in_year_range
from shared.identity import Principal
from shared.money import BadAmount
from shared.service import service_context
from shared.visibility import can_see_customer
from shared.web import event_context, is_uuid, principal

WRITER_ROLES = ("admin", "manager", "sales")
MAX_LINES = 200


class MoneyField(fields.Field):
    """A decimal string or number with at most two places, not negative -> Decimal."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_price(value)
        except BadAmount as exc:
            raise ValidationError(f"must be an amount such as \"1234.50\" ({exc})") from exc


class PctField(fields.Field):
    """A percentage in percent, 0..100, as a decimal string or number -> Decimal."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_pct(value, field=attr or "value")
        except BadAmount as exc:
            raise ValidationError(str(exc)) from exc


def uuid_field(**kw: Any) -> fields.String:
    return fields.String(validate=lambda v: is_uuid(v) or _fail("must be a UUID"), **kw)


def _fail(message: str):
    raise ValidationError(message)


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
    p = principal()
    if p.role not in WRITER_ROLES:
        raise Forbidden("your role may not change sales records")
    return p


def emitter(conn: Connection):
    """Add events to the outbox in this transaction, caused by this request."""
    return functools.partial(service_context().outbox.add, conn, event_context())


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


def path_id(value: str, what: str) -> str:
    if not is_uuid(value):
        raise NotFound(f"{what} not found")
    return value


def parse_date_arg(value: str | None, field: str) -> date | None:
    """A date from the query string, in the agreed years (shared.events.fields)."""
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(value) if len(value) <= 40 else None
    except ValueError:
        day = None
    if day is None or not in_year_range(day):
        raise ValidationFailed("invalid date", details={
            field: [f"must be a date YYYY-MM-DD in the years {MIN_YEAR} to {MAX_YEAR}"]}) from None
    return day


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


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def customer_name_match(customer_id_col: ColumnElement, text: str) -> ColumnElement:
    """Rows whose customer's name (the local copy) contains `text`."""
    names = sa.select(sa.column("customer_id")).select_from(sa.table("acl_customers")).where(
        sa.column("name").ilike(like_pattern(text)))
    return customer_id_col.in_(names)


def sort_arg(allowed: dict[str, ColumnElement], default: list[Any], tiebreak: ColumnElement) -> list[Any]:
    """ORDER BY from `sort` (a key of `allowed`, `-key` for descending; 422 otherwise);
    empty values sort last either way, and `tiebreak` makes paging stable."""
    raw = (request.args.get("sort") or "").strip()
    if not raw:
        return default
    key = raw[1:] if raw.startswith("-") else raw
    column = allowed.get(key)
    if column is None:
        options = ", ".join(sorted(allowed))
        raise ValidationFailed("invalid sort", details={"sort": [f"one of {options} (with - for descending)"]})
    if raw.startswith("-"):
        return [column.desc().nulls_last(), tiebreak.desc()]
    return [column.asc().nulls_last(), tiebreak.asc()]
