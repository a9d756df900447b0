"""Helpers shared by the customer service's blueprints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from marshmallow import ValidationError, fields, validate
from sqlalchemy.engine import Connection

from services.customer.domain.rules import FieldDef
from services.customer.models import custom_fields
from shared.errors import Forbidden, NotFound
from shared.identity import Principal
from shared.web import is_uuid


def text(max_len: int, *, required: bool = False) -> fields.String:
    """A string field: required ones must be non-blank; optional ones may be null."""
    if required:
        return fields.String(required=True, validate=[validate.Length(min=1, max=max_len),
                                                      _not_blank])
    return fields.String(allow_none=True, load_default=None, validate=validate.Length(max=max_len))


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def uuid_field(*, required: bool = False) -> fields.String:
    return fields.String(required=required, allow_none=not required,
                         validate=validate.Regexp(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                                                  r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", error="must be a UUID"))


def aware(value: dt.datetime) -> dt.datetime:
    """Times must carry a UTC offset (API.md); naive ones are taken as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def field_defs(conn: Connection) -> dict[str, FieldDef]:
    rows = conn.execute(sa.select(custom_fields).order_by(custom_fields.c.name).limit(500))
    return {r.name: FieldDef(r.name, r.type, tuple(r.choices) if r.choices else None, r.required) for r in rows}


def path_id(value: str, what: str) -> str:
    """An id from the path: 404 when it is not a UUID."""
    if not is_uuid(value):
        raise NotFound(f"{what} not found")
    return value


def require_role(who: Principal, roles: tuple[str, ...], action: str) -> None:
    if who.role not in roles:
        raise Forbidden(f"role {who.role} may not {action}")
