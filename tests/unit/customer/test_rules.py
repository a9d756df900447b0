"""Pure rules: complaint flow, custom field values, ownership, week starts."""

from __future__ import annotations

import datetime as dt

import pytest

from services.customer.domain.rules import (
    FieldDef,
    complaint_transition_allowed,
    is_week_start,
    may_manage_customer,
    merge_custom_fields,
    validate_custom_fields,
)
from shared.visibility import may_assign_to


@pytest.mark.parametrize("a,b,ok", [
    ("open", "in_progress", True), ("in_progress", "resolved", True),
    ("open", "resolved", False), ("resolved", "open", False), ("in_progress", "open", False),
    ("open", "open", False), ("resolved", "in_progress", False), ("open", "closed", False),
])
def test_complaint_flow(a, b, ok):
    assert complaint_transition_allowed(a, b) is ok


DEFS = {
    "size": FieldDef("size", "choice", ("大", "小")),
    "revenue": FieldDef("revenue", "number"),
    "signed": FieldDef("signed", "date"),
    "note": FieldDef("note", "text"),
    "must": FieldDef("must", "text", required=True),
}


def test_custom_field_values_valid():
    clean, errors = validate_custom_fields(DEFS, {"size": "大", "revenue": "12.5", "signed": "2026-01-02",
                                                  "note": "x", "must": "y"}, require_all=True)
    assert errors == {} and clean["revenue"] == "12.5" and clean["signed"] == "2026-01-02"
    clean, errors = validate_custom_fields(DEFS, {"revenue": 3}, require_all=False)
    assert errors == {} and clean == {"revenue": 3}


@pytest.mark.parametrize("values,field", [
    ({"size": "中"}, "size"), ({"revenue": "abc"}, "revenue"), ({"revenue": True}, "revenue"),
    ({"signed": "2026-02-30"}, "signed"), ({"signed": 20260101}, "signed"), ({"note": 5}, "note"),
    ({"unknown": 1}, "unknown"), ({"must": None}, "must"),
])
def test_custom_field_values_invalid(values, field):
    _, errors = validate_custom_fields(DEFS, values, require_all=False)
    assert field in errors


def test_required_on_create_only():
    _, errors = validate_custom_fields(DEFS, {}, require_all=True)
    assert list(errors) == ["must"]
    assert validate_custom_fields(DEFS, {}, require_all=False)[1] == {}
    assert validate_custom_fields(DEFS, "x", require_all=False)[1] == {"custom_fields": ["must be an object"]}


def test_merge_removes_none():
    assert merge_custom_fields({"a": 1, "b": 2}, {"a": None, "c": 3}) == {"b": 2, "c": 3}


def test_ownership_rules():
    assert may_manage_customer("admin", "x", "owner", False)
    assert may_manage_customer("sales", "owner", "owner", False)
    assert not may_manage_customer("sales", "x", "owner", False)
    assert may_manage_customer("manager", "m", "owner", True)
    assert not may_manage_customer("manager", "m", "owner", False)
    assert not may_manage_customer("finance", "f", "owner", True)
    # who may be named owner: one rule for every service (shared.visibility)
    assert may_assign_to("sales", "me", "me", False)
    assert not may_assign_to("sales", "me", "you", False)
    assert not may_assign_to("sales", "me", "you", True)  # a rep has no team
    assert may_assign_to("manager", "m", "sub", True)
    assert not may_assign_to("manager", "m", "other", False)
    assert may_assign_to("admin", "a", "anyone", False)
    assert not may_assign_to("finance", "f", "anyone", False)


def test_week_start():
    assert is_week_start(dt.date(2026, 11, 23))
    assert not is_week_start(dt.date(2026, 11, 24))
