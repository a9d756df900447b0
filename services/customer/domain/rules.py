"""Pure rules: complaint status flow, custom field values, week starts, ownership."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

COMPLAINT_FLOW = {"open": {"in_progress"}, "in_progress": {"resolved"}, "resolved": set()}
FIELD_TYPES = ("text", "number", "date", "choice")
CUSTOMER_CREATORS = ("sales", "manager", "admin")
OWNER_ROLES = ("sales", "manager", "admin")


def complaint_transition_allowed(current: str, new: str) -> bool:
    """open -> in_progress -> resolved; nothing else (not even staying put)."""
    return new in COMPLAINT_FLOW.get(current, set())


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    choices: tuple[str, ...] | None = None
    required: bool = False


def _check_value(field: FieldDef, value: Any) -> tuple[Any, str | None]:
    """(normalised value, error message or None)."""
    if field.type == "text":
        if not isinstance(value, str):
            return None, "must be a string"
        if len(value) > 2000:
            return None, "must be at most 2000 characters"
        return value, None
    if field.type == "number":
        if isinstance(value, bool):
            return None, "must be a number"
        if isinstance(value, (int, float)):
            return value, None
        if isinstance(value, str):
            try:
                Decimal(value)
            except InvalidOperation:
                return None, "must be a number"
            return value, None
        return None, "must be a number"
    if field.type == "date":
        if not isinstance(value, str):
            return None, "must be a date (YYYY-MM-DD)"
        try:
            return dt.date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "must be a date (YYYY-MM-DD)"
    if field.type == "choice":
        if value not in (field.choices or ()):
            return None, f"must be one of: {', '.join(field.choices or ())}"
        return value, None
    return None, "unknown field type"


def validate_custom_fields(
    defs: dict[str, FieldDef], values: Any, *, require_all: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check values against the field definitions.

    Returns (clean values, errors by field name). Unknown names are errors; a value of
    None removes the field (unless it is required). require_all: every required field
    must be present (on create).
    """
    if values is None:
        values = {}
    if not isinstance(values, dict):
        return {}, {"custom_fields": ["must be an object"]}
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = defs.get(name)
        if field is None:
            errors[name] = ["is not a defined custom field"]
            continue
        if value is None:
            if field.required:
                errors[name] = ["is required"]
            else:
                clean[name] = None
            continue
        normalised, error = _check_value(field, value)
        if error:
            errors[name] = [error]
        else:
            clean[name] = normalised
    if require_all:
        for name, field in defs.items():
            if field.required and name not in values:
                errors[name] = ["is required"]
    return clean, errors


def merge_custom_fields(current: dict[str, Any] | None, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes (None removes a field) to the stored values."""
    merged = dict(current or {})
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def is_week_start(day: dt.date) -> bool:
    """Weekly plans are keyed by the Monday of their week."""
    return day.weekday() == 0


def may_manage_customer(role: str, user_id: str, owner_id: str, is_manager_of_owner: bool) -> bool:
    """Who may transfer, share/unshare, delete and restore a customer: an admin, the
    owner (handing over their own customer) or a manager above the owner."""
    return role == "admin" or user_id == owner_id or (role == "manager" and is_manager_of_owner)


