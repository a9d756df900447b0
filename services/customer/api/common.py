"""What the customer service's blueprints share that is the customer service's own:
text fields, times taken as UTC, custom field definitions. Path ids, role checks,
ids and times come from shared.web and shared.fields."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import request
from marshmallow import ValidationError, fields, validate
from sqlalchemy.engine import Connection

from services.customer.domain.rules import FieldDef
from services.customer.models import custom_fields
from shared.errors import ValidationFailed
from shared.fields import AwareDateTime, Date


def text(max_len: int, *, required: bool = False) -> fields.String:
    """A string field: required ones must be non-blank; optional ones may be null."""
    if required:
        return fields.String(required=True, validate=[validate.Length(min=1, max=max_len),
                                                      _not_blank])
    return fields.String(allow_none=True, load_default=None, validate=validate.Length(max=max_len))


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def aware(value: dt.datetime) -> dt.datetime:
    """Times must carry a UTC offset (API.md); naive ones are taken as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def field_defs(conn: Connection) -> dict[str, FieldDef]:
    rows = conn.execute(sa.select(custom_fields).order_by(custom_fields.c.name).limit(500))
    return {r.name: FieldDef(r.name, r.type, tuple(r.choices) if r.choices else None, r.required) for r in rows}


def moment_arg(name: str, *, required: bool = False) -> dt.datetime | None:
    """A moment from the query string: an ISO time with its offset (naive: UTC) or a date
    (its start, UTC); 422 otherwise."""
    raw = request.args.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationFailed(f"{name} is required", details={name: ["required"]})
        return None
    try:
        if len(raw) <= 10:
            return dt.datetime.combine(Date().deserialize(raw), dt.time.min, dt.UTC)
        return AwareDateTime().deserialize(raw)
    except ValidationError:
        raise ValidationFailed(f"invalid {name}", details={
            name: ["must be a date YYYY-MM-DD or an ISO 8601 time"]}) from None
