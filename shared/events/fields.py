"""Field helpers for event schemas."""

from __future__ import annotations

from marshmallow import fields, validate


def uuid_str(**kw) -> fields.String:
    return fields.String(validate=validate.Regexp(r"^[0-9a-fA-F-]{36}$"), **kw)


def money(**kw) -> fields.String:
    """A decimal string with two places, as in the API ("1234.50")."""
    return fields.String(validate=validate.Regexp(r"^-?\d+\.\d{2}$"), **kw)
