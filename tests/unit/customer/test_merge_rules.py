"""The merge rules (services/customer/domain/merging.py): field choices, gap filling,
conflicts for the preview, and when an undo must be refused."""

from __future__ import annotations

from services.customer.domain import merging
from services.customer.domain.merging import (
    UndoState,
    conflicts,
    resolve,
    undo_refusal,
    validate_choices,
)

KEEP = {"name": "华东机电", "industry": "制造业", "website": None, "phone": "021-5555", "address": "",
        "category": "A", "custom_fields": {"level": "gold", "region": None}}
DUP = {"name": "华东机电设备", "industry": "贸易", "website": "https://hd.cn", "phone": "021-6666",
       "address": "上海市浦东新区", "category": None, "custom_fields": {"level": "silver", "region": "华东", "x": 1}}


def test_without_choices_the_survivor_wins_and_its_gaps_are_filled():
    out = resolve(KEEP, DUP, None)
    assert out["name"] == "华东机电" and out["industry"] == "制造业" and out["phone"] == "021-5555"
    assert out["website"] == "https://hd.cn"  # the survivor had none
    assert out["address"] == "上海市浦东新区"  # blank counts as none
    assert out["category"] == "A"  # the duplicate has none: kept
    assert out["custom_fields"] == {"level": "gold", "region": "华东", "x": 1}


def test_choices_take_the_chosen_side_even_an_empty_one():
    out = resolve(KEEP, DUP, {"phone": "duplicate", "website": "keep", "name": "duplicate",
                              "custom_fields": "duplicate"})
    assert out["phone"] == "021-6666" and out["name"] == "华东机电设备"
    assert out["website"] is None  # "keep" means the survivor's value, even when it has none
    assert out["custom_fields"] == {"level": "silver", "region": "华东", "x": 1}


def test_a_customer_always_keeps_a_name():
    assert resolve(KEEP, {**DUP, "name": None}, {"name": "duplicate"})["name"] == "华东机电"


def test_bad_choices_are_named_per_field():
    assert validate_choices(None) == {} and validate_choices({"phone": "keep"}) == {}
    errors = validate_choices({"owner_id": "keep", "phone": "both"})
    assert set(errors) == {"fields.owner_id", "fields.phone"}
    assert validate_choices(["phone"]) == {"fields": ["must be an object of field: \"keep\" or \"duplicate\""]}


def test_the_preview_marks_conflicts_and_the_default_side():
    rows = {r["field"]: r for r in conflicts(KEEP, DUP)}
    assert set(rows) == set(merging.FIELDS)
    assert rows["phone"]["conflict"] and rows["phone"]["default"] == "keep"
    assert rows["phone"]["keep"] == "021-5555" and rows["phone"]["duplicate"] == "021-6666"
    assert not rows["website"]["conflict"] and rows["website"]["default"] == "duplicate"
    assert not rows["category"]["conflict"] and rows["category"]["default"] == "keep"
    assert rows["custom_fields"]["conflict"]  # level: gold vs silver


def _state(**changes) -> UndoState:
    after = resolve(KEEP, DUP, {"phone": "duplicate"})
    values = {"undone": False, "later_merge_id": None, "survivor_deleted": False, "name_taken_by": None,
              "survivor_now": dict(after), "survivor_before": KEEP, "survivor_after": after, **changes}
    return UndoState(**values)


def test_an_undo_is_allowed_when_nothing_newer_depends_on_the_merge():
    assert undo_refusal(_state()) is None


def test_an_undo_is_refused_with_the_reason():
    assert undo_refusal(_state(undone=True))[0] == "merge_already_undone"
    code, _message, details = undo_refusal(_state(later_merge_id="m2"))
    assert code == "merge_depended_on" and details == {"reason": "later_merge", "merge_id": "m2"}
    assert undo_refusal(_state(survivor_deleted=True))[2]["reason"] == "survivor_deleted"
    assert undo_refusal(_state(name_taken_by="c9"))[2] == {"reason": "name_taken", "existing_id": "c9"}
    now = {**resolve(KEEP, DUP, {"phone": "duplicate"}), "phone": "139"}
    assert undo_refusal(_state(survivor_now=now))[2] == {"reason": "edited_since", "fields": ["phone"]}


def test_only_fields_the_merge_set_count_and_go_back():
    after = resolve(KEEP, DUP, {"phone": "duplicate"})
    assert merging.set_by_merge(KEEP, after) == ["website", "phone", "address", "custom_fields"]
    # an edit of a field the merge left alone does not block the undo
    assert merging.changed_since({**after, "category": "B"}, KEEP, after) == []
    # "", {} and None are all "no value"
    assert merging.changed_since({**after, "website": after["website"]}, KEEP, after) == []
    assert merging.set_by_merge({"address": ""}, {"address": None}) == []
