"""Field builders for answer schemas: marshmallow schemas that describe what an endpoint
answers (its JSON shape, for the OpenAPI document, the generated clients and the
contract tests); the views still build their dicts. One line per field:

    class CustomerOut(Schema):
        id = ident()
        name = text(nullable=False)
        owner_id = ident()
        created_at = when()

Nullable by default where a column may be NULL (text, when, day, ...); ids and
statuses are not unless said.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

MONEY_PATTERN = r"^-?\d+\.\d{2}$"


def _kw(nullable: bool, description: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    meta = dict(extra or {})
    if description:
        meta["description"] = description
    return {"allow_none": nullable, "metadata": meta}


def ident(*, nullable: bool = False, description: str | None = None) -> fields.Field:
    """A UUID."""
    return fields.UUID(**_kw(nullable, description))


def text(*, nullable: bool = True, description: str | None = None) -> fields.Field:
    return fields.String(**_kw(nullable, description))


def status(*choices: str, nullable: bool = False, description: str | None = None) -> fields.Field:
    """A string; the choices are listed in the description (not enforced: a new status is an addition)."""
    note = "one of: " + ", ".join(choices) if choices else None
    return fields.String(**_kw(nullable, "; ".join(x for x in (description, note) if x) or None))


def when(*, nullable: bool = True, description: str | None = None) -> fields.Field:
    """A moment, ISO 8601 with its offset."""
    return fields.DateTime(**_kw(nullable, description))


def day(*, nullable: bool = True, description: str | None = None) -> fields.Field:
    """A date YYYY-MM-DD."""
    return fields.Date(**_kw(nullable, description))


def money(*, nullable: bool = False, description: str | None = None) -> fields.Field:
    """A decimal string with two places ("1234.50")."""
    return fields.String(**_kw(nullable, description or "decimal, two places", {"pattern": MONEY_PATTERN}))


def decimal(*, nullable: bool = False, description: str | None = None) -> fields.Field:
    """A decimal string (rates, percentages)."""
    return fields.String(**_kw(nullable, description or "decimal"))


def integer(*, nullable: bool = False, description: str | None = None) -> fields.Field:
    return fields.Integer(**_kw(nullable, description))


def number(*, nullable: bool = False, description: str | None = None) -> fields.Field:
    return fields.Float(**_kw(nullable, description))


def flag(*, nullable: bool = False, description: str | None = None) -> fields.Field:
    return fields.Boolean(**_kw(nullable, description))


def mapping(*, nullable: bool = False, description: str | None = None) -> fields.Field:
    """A JSON object of free keys."""
    return fields.Dict(keys=fields.String(), **_kw(nullable, description))


def anything(*, description: str | None = None) -> fields.Field:
    """Any JSON value (e.g. an event's data)."""
    return fields.Raw(**_kw(True, description))


def nested(schema: type[Schema], *, nullable: bool = False, description: str | None = None) -> fields.Field:
    return fields.Nested(schema, **_kw(nullable, description))


def many(schema: type[Schema] | fields.Field, *, nullable: bool = False,
         description: str | None = None) -> fields.Field:
    """A list of schema (a nested schema class, or a field)."""
    inner = schema if isinstance(schema, fields.Field) else fields.Nested(schema)
    return fields.List(inner, **_kw(nullable, description))


def ids(*, description: str | None = None) -> fields.Field:
    return fields.List(fields.UUID(), **_kw(False, description))
