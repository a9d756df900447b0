"""What the customer service's blueprints share that is the customer service's own:
text fields, times taken as UTC, custom field definitions. Path ids, role checks,
ids and times come from shared.web and shared.fields."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from marshmallow import ValidationError, fields, validate
from sqlalchemy.engine import Connection

from services.customer.domain.rules import FieldDef
from services.customer.models import custom_fields


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
