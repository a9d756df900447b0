"""Bulk change rules (POST /customers/bulk, POST /jobs/{id}/undo), free of I/O.

A bulk change applies one `set` (owner, category, industry, status, custom fields) and an
optional share to many customers. Each customer's change is planned as the steps a user
would have taken by hand, each one event: the fields (customer.customer.updated), the
status (customer.customer.lost, or .updated when a lost customer becomes active again),
the owner (customer.customer.transferred) and the share (customer.customer.shared).
The plan also records the values before and after, per field it touched, so an undo
restores exactly those, and only where nobody changed them since."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SET_FIELDS = ("owner_id", "category", "industry", "status", "custom_fields", "lost_reason")
TEXT_LIMITS = {"category": 50, "industry": 100, "lost_reason": 2000}
STATUSES = ("active", "lost")
FILTER_KEYS = ("q", "owner_id", "category", "industry", "status", "kind", "created_from", "created_to")
MAX_RECORDS = 100_000
MAX_IDS = MAX_RECORDS


@dataclass
class Step:
    event_type: str
    values: dict[str, Any]  # the customers columns this step writes


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)  # per touched field, its prior value
    after: dict[str, Any] = field(default_factory=dict)   # ... and the value the change left
    share_added: str | None = None
    share_removed: str | None = None
    skipped: list[str] = field(default_factory=list)      # undo: fields changed since

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def _is_id(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return isinstance(value, str)


def check_set(body_set: Any, share_with: Any) -> dict[str, list[str]]:
    """The per-field messages for a bulk `set` and `share_with` (empty when valid)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(body_set, Mapping):
        return {"set": ["must be an object"]}
    for key in body_set:
        if key not in SET_FIELDS:
            errors.setdefault(key, []).append("unknown field")
    for key, limit in TEXT_LIMITS.items():
        if key in body_set:
            value = body_set[key]
            if value is not None and not isinstance(value, str):
                errors.setdefault(key, []).append("must be a string or null")
            elif isinstance(value, str) and len(value) > limit:
                errors.setdefault(key, []).append(f"must be at most {limit} characters")
    if "status" in body_set and body_set["status"] not in STATUSES:
        errors.setdefault("status", []).append(f"must be one of {', '.join(STATUSES)}")
    if body_set.get("status") == "lost" and not (body_set.get("lost_reason") or "").strip():
        errors.setdefault("lost_reason", []).append("required when status is lost")
    if "lost_reason" in body_set and body_set.get("status") != "lost":
        errors.setdefault("lost_reason", []).append("only with status lost")
    if "owner_id" in body_set and not _is_id(body_set["owner_id"]):
        errors.setdefault("owner_id", []).append("must be a user id")
    if "custom_fields" in body_set and not isinstance(body_set["custom_fields"], Mapping):
        errors.setdefault("custom_fields", []).append("must be an object")
    if share_with is not None and not _is_id(share_with):
        errors.setdefault("share_with", []).append("must be a user id")
    meaningful = {k for k in body_set if k != "lost_reason"}
    if not errors and not meaningful and share_with is None:
        errors["set"] = ["name at least one change (owner_id, category, industry, status, custom_fields) "
                         "or share_with"]
    return errors


def check_target(body: Mapping[str, Any]) -> dict[str, list[str]]:
    """Exactly one of `ids` (a list of ids) and `filter` (the customer list's filters)."""
    has_ids, has_filter = "ids" in body, "filter" in body
    if has_ids == has_filter:
        return {"ids": ["give either ids or filter"]}
    if has_ids:
        ids = body["ids"]
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return {"ids": ["must be a non-empty list of ids"]}
        if len(ids) > MAX_IDS:
            return {"ids": [f"at most {MAX_IDS} ids"]}
        return {}
    flt = body["filter"]
    if not isinstance(flt, Mapping):
        return {"filter": ["must be an object"]}
    errors = {}
    for key, value in flt.items():
        if key not in FILTER_KEYS:
            errors[f"filter.{key}"] = [f"unknown filter; one of {', '.join(FILTER_KEYS)}"]
        elif value is not None and not isinstance(value, str):
            errors[f"filter.{key}"] = ["must be a string"]
    return errors


def may_bulk_edit(role: str, user_id: str, owner_id: str, manages_owner: bool) -> bool:
    """Whose customers a bulk change reaches: an admin's anyone's, a manager's their own and
    their team's, a rep's only their own (never one merely shared with them)."""
    return role == "admin" or user_id == owner_id or (role == "manager" and manages_owner)


def _custom(current: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(current or {})


def plan_change(row: Mapping[str, Any], change: Mapping[str, Any], *, share_with: str | None,
                shared_with: Sequence[str]) -> Plan:
    """The steps that bring one customer (`row`: its columns) to `change` (a checked `set`,
    custom fields already validated); a value already equal is no step."""
    plan = Plan()
    fields: dict[str, Any] = {}
    for key in ("category", "industry"):
        if key in change and row.get(key) != change[key]:
            fields[key] = change[key]
            plan.before[key], plan.after[key] = row.get(key), change[key]
    if "custom_fields" in change:
        current = _custom(row.get("custom_fields"))
        merged = dict(current)
        touched_before, touched_after = {}, {}
        for name, value in change["custom_fields"].items():
            if current.get(name) == value:
                continue
            touched_before[name], touched_after[name] = current.get(name), value
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        if touched_after:
            fields["custom_fields"] = merged
            plan.before["custom_fields"], plan.after["custom_fields"] = touched_before, touched_after
    if fields:
        plan.steps.append(Step("customer.customer.updated", fields))
    status = change.get("status")
    if status == "lost" and row.get("status") != "lost":
        reason = (change.get("lost_reason") or "").strip()
        plan.steps.append(Step("customer.customer.lost", {"status": "lost", "lost_reason": reason}))
        plan.before["status"] = {"status": row.get("status"), "lost_reason": row.get("lost_reason")}
        plan.after["status"] = {"status": "lost", "lost_reason": reason}
    elif status == "active" and row.get("status") == "lost":
        plan.steps.append(Step("customer.customer.updated", {"status": "active", "lost_reason": None}))
        plan.before["status"] = {"status": "lost", "lost_reason": row.get("lost_reason")}
        plan.after["status"] = {"status": "active", "lost_reason": None}
    owner = change.get("owner_id")
    final_owner = row.get("owner_id")
    if owner and owner != row.get("owner_id"):
        plan.steps.append(Step("customer.customer.transferred", {"owner_id": owner}))
        plan.before["owner_id"], plan.after["owner_id"] = row.get("owner_id"), owner
        final_owner = owner
        if owner in shared_with:  # the new owner needs no share (as a transfer by hand)
            plan.share_removed = owner
    if share_with and share_with != final_owner and share_with not in shared_with:
        plan.steps.append(Step("customer.customer.shared", {}))
        plan.share_added = share_with
    return plan


def plan_undo(row: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any], *,
              share_added: str | None, share_removed: str | None, shared_with: Sequence[str]) -> Plan:
    """The steps that put back what a bulk change did to one customer, field by field, where
    the value is still the one the change left; a field changed since is left alone (listed
    in `skipped`)."""
    plan = Plan()
    fields: dict[str, Any] = {}
    for key in ("category", "industry"):
        if key in after:
            if row.get(key) == after[key]:
                fields[key] = before.get(key)
            else:
                plan.skipped.append(key)
    if "custom_fields" in after:
        current = _custom(row.get("custom_fields"))
        merged = dict(current)
        for name, value in after["custom_fields"].items():
            if current.get(name) != value:
                plan.skipped.append(f"custom_fields.{name}")
                continue
            prior = before["custom_fields"].get(name)
            if prior is None:
                merged.pop(name, None)
            else:
                merged[name] = prior
        if merged != current:
            fields["custom_fields"] = merged
    if fields:
        plan.steps.append(Step("customer.customer.updated", fields))
    if "status" in after:
        was, left = before["status"], after["status"]
        if row.get("status") == left["status"]:
            event = "customer.customer.lost" if was["status"] == "lost" else "customer.customer.updated"
            plan.steps.append(Step(event, {"status": was["status"], "lost_reason": was["lost_reason"]}))
        else:
            plan.skipped.append("status")
    if "owner_id" in after:
        if row.get("owner_id") == after["owner_id"]:
            plan.steps.append(Step("customer.customer.transferred", {"owner_id": before["owner_id"]}))
            if share_removed and share_removed != before["owner_id"]:
                plan.share_added = share_removed  # the share the transfer had dropped comes back
        else:
            plan.skipped.append("owner_id")
    if share_added:
        if share_added in shared_with:
            plan.steps.append(Step("customer.customer.unshared", {}))
            plan.share_removed = share_added
        else:
            plan.skipped.append("share_with")
    if plan.share_added and not any(s.event_type == "customer.customer.shared" for s in plan.steps):
        plan.steps.append(Step("customer.customer.shared", {}))
    return plan
