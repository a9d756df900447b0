"""Merging a duplicate customer into another one, the rules (no I/O):

- which fields can be chosen and how the survivor's values come out of the caller's choices
  (`resolve`): a field the caller chose takes that side's value; a field not chosen keeps the
  survivor's value, or takes the duplicate's when the survivor has none (a gap is filled, a
  value is never lost silently); custom fields go key by key the same way, the chosen side
  winning where both have a value;
- what the preview shows as a conflict (`conflicts`): both sides have a value and they differ;
- when an undo must be refused (`undo_refusal`), with the reason: the merge was undone
  already; a later merge involves either customer (undo that one first); the survivor was
  deleted since; a live customer took the duplicate's name since; a field the merge set on
  the survivor was changed since (restoring it would throw that change away)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELDS = ("name", "industry", "website", "phone", "address", "category", "custom_fields")
SIDES = ("keep", "duplicate")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {}


def validate_choices(choices: Any) -> dict[str, list[str]]:
    """The 422 details for a bad `fields` object (empty when it is fine)."""
    if choices is None:
        return {}
    if not isinstance(choices, Mapping):
        return {"fields": ["must be an object of field: \"keep\" or \"duplicate\""]}
    errors: dict[str, list[str]] = {}
    for name, side in choices.items():
        if name not in FIELDS:
            errors[f"fields.{name}"] = [f"unknown field; one of {', '.join(FIELDS)}"]
        elif side not in SIDES:
            errors[f"fields.{name}"] = ["must be \"keep\" or \"duplicate\""]
    return errors


def _custom(survivor: Mapping[str, Any] | None, duplicate: Mapping[str, Any] | None, side: str | None) -> dict:
    mine, theirs = dict(survivor or {}), dict(duplicate or {})
    first, second = (theirs, mine) if side == "duplicate" else (mine, theirs)
    out = {}
    for key in list(mine) + [k for k in theirs if k not in mine]:
        a, b = first.get(key), second.get(key)
        out[key] = b if _empty(a) and not _empty(b) else a
    return {k: v for k, v in out.items() if v is not None}


def resolve(survivor: Mapping[str, Any], duplicate: Mapping[str, Any],
            choices: Mapping[str, str] | None) -> dict[str, Any]:
    """The survivor's values after the merge, for every field in FIELDS."""
    choices = choices or {}
    out: dict[str, Any] = {}
    for name in FIELDS:
        side = choices.get(name)
        if name == "custom_fields":
            out[name] = _custom(survivor.get(name), duplicate.get(name), side)
        elif side == "duplicate":
            out[name] = duplicate.get(name)
        elif side == "keep" or not _empty(survivor.get(name)):
            out[name] = survivor.get(name)
        else:
            out[name] = duplicate.get(name)
    if _empty(out["name"]):  # a customer always has a name
        out["name"] = survivor.get("name")
    return out


def conflicts(survivor: Mapping[str, Any], duplicate: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per field: both values, whether they conflict, and the side taken when not chosen."""
    rows = []
    for name in FIELDS:
        a, b = survivor.get(name), duplicate.get(name)
        if name == "custom_fields":
            a, b = a or {}, b or {}
            clash = any(not _empty(a.get(k)) and not _empty(b.get(k)) and a.get(k) != b.get(k) for k in a)
        else:
            clash = not _empty(a) and not _empty(b) and a != b
        default = "duplicate" if (_empty(a) and not _empty(b)) else "keep"
        rows.append({"field": name, "keep": a, "duplicate": b, "conflict": clash, "default": default})
    return rows


@dataclass(frozen=True)
class UndoState:
    """What undo_refusal looks at (read by the command from the database)."""
    undone: bool
    later_merge_id: str | None  # a later merge involving either customer, not undone
    survivor_deleted: bool
    name_taken_by: str | None  # a live customer now holding the duplicate's name
    survivor_now: Mapping[str, Any]  # the survivor's fields now
    survivor_before: Mapping[str, Any]  # before the merge
    survivor_after: Mapping[str, Any]  # what the merge set them to


def _same(a: Any, b: Any) -> bool:
    return (a or None) == (b or None)  # "", {} and None are all "no value"


def set_by_merge(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The fields the merge changed on the survivor (the only ones an undo restores)."""
    return [f for f in FIELDS if not _same(before.get(f), after.get(f))]


def changed_since(now: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Fields the merge set that were changed again since (an edit of another field does not
    depend on the merge)."""
    return [f for f in set_by_merge(before, after) if not _same(now.get(f), after.get(f))]


def undo_refusal(state: UndoState) -> tuple[str, str, dict[str, Any]] | None:
    """None when the merge can be undone, else (code, message, details) for a 409."""
    if state.undone:
        return "merge_already_undone", "this merge was undone already", {}
    if state.later_merge_id:
        return ("merge_depended_on", "a later merge involves one of these customers; undo that one first",
                {"reason": "later_merge", "merge_id": state.later_merge_id})
    if state.survivor_deleted:
        return ("merge_depended_on", "the customer kept by the merge was deleted since; restore it first",
                {"reason": "survivor_deleted"})
    if state.name_taken_by:
        return ("merge_depended_on", "another customer has taken the merged customer's name since",
                {"reason": "name_taken", "existing_id": state.name_taken_by})
    edited = changed_since(state.survivor_now, state.survivor_before, state.survivor_after)
    if edited:
        return ("merge_depended_on", "fields set by the merge were changed since: " + ", ".join(edited),
                {"reason": "edited_since", "fields": edited})
    return None
