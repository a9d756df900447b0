"""Bulk change rules without I/O: what a request may ask, whose customers it reaches, the
steps (events) per customer, and an undo that puts back only what is still as the change left it."""

from __future__ import annotations

from services.customer.domain.bulk import (
    MAX_IDS,
    check_set,
    check_target,
    may_bulk_edit,
    plan_change,
    plan_undo,
)

REP, OTHER, BOSS = "u-rep", "u-other", "u-boss"


def customer(**kw):
    base = {"id": "c1", "owner_id": REP, "category": "B", "industry": "电子", "status": "active",
            "lost_reason": None, "custom_fields": {"级别": "普通"}}
    return {**base, **kw}


def types(plan):
    return [s.event_type for s in plan.steps]


def test_a_request_names_its_target_and_a_change():
    assert check_target({"ids": ["a"]}) == {} and check_target({"filter": {"category": "A"}}) == {}
    assert "ids" in check_target({}) and "ids" in check_target({"ids": ["a"], "filter": {}})
    assert "ids" in check_target({"ids": []}) and "ids" in check_target({"ids": ["a"] * (MAX_IDS + 1)})
    assert "filter.color" in check_target({"filter": {"color": "red"}})
    assert check_target({"filter": {"q": 3}}) == {"filter.q": ["must be a string"]}
    assert check_set({"category": "A"}, None) == {}
    assert "set" in check_set({}, None) and check_set({}, "7f1c1d2e-9a4b-4c3d-8e5f-6a7b8c9d0e1f") == {}
    assert "status" in check_set({"status": "gone"}, None)
    assert "lost_reason" in check_set({"status": "lost"}, None)
    assert check_set({"status": "lost", "lost_reason": "转向竞品"}, None) == {}
    assert "lost_reason" in check_set({"lost_reason": "x"}, None)
    assert "name" in check_set({"name": "x"}, None)
    assert "category" in check_set({"category": "x" * 51}, None)
    assert "custom_fields" in check_set({"custom_fields": ["x"]}, None)
    assert "set" in check_set(["category"], None) and "set" in check_set(None, None)
    assert "owner_id" in check_set({"owner_id": "someone"}, None) and "share_with" in check_set({}, 7)
    assert check_set({"owner_id": "7f1c1d2e-9a4b-4c3d-8e5f-6a7b8c9d0e1f"}, None) == {}


def test_a_rep_reaches_only_their_own_a_manager_their_team_admin_all():
    assert may_bulk_edit("sales", REP, REP, False)
    assert not may_bulk_edit("sales", REP, OTHER, False)  # also not one merely shared with them
    assert may_bulk_edit("manager", BOSS, REP, True) and not may_bulk_edit("manager", BOSS, OTHER, False)
    assert may_bulk_edit("admin", "root", OTHER, False)
    assert not may_bulk_edit("finance", "f", OTHER, False)


def test_each_kind_of_change_is_the_event_a_user_would_cause():
    plan = plan_change(customer(), {"category": "A", "custom_fields": {"级别": "重点", "来源": None}},
                       share_with=None, shared_with=[])
    assert types(plan) == ["customer.customer.updated"]
    assert plan.steps[0].values == {"category": "A", "custom_fields": {"级别": "重点"}}
    assert plan.before == {"category": "B", "custom_fields": {"级别": "普通"}}
    assert plan.after == {"category": "A", "custom_fields": {"级别": "重点"}}
    plan = plan_change(customer(), {"status": "lost", "lost_reason": "倒闭", "owner_id": OTHER},
                       share_with=BOSS, shared_with=[OTHER])
    assert types(plan) == ["customer.customer.lost", "customer.customer.transferred", "customer.customer.shared"]
    assert plan.share_removed == OTHER and plan.share_added == BOSS  # the new owner needs no share
    plan = plan_change(customer(status="lost", lost_reason="x"), {"status": "active"}, share_with=None, shared_with=[])
    assert types(plan) == ["customer.customer.updated"] and plan.steps[0].values == {"status": "active",
                                                                                     "lost_reason": None}


def test_values_already_there_make_no_event():
    plan = plan_change(customer(), {"category": "B", "status": "active", "owner_id": REP,
                                    "custom_fields": {"级别": "普通"}}, share_with=REP, shared_with=[])
    assert not plan.changed and plan.before == {}
    assert not plan_change(customer(), {}, share_with=OTHER, shared_with=[OTHER]).changed


def test_undo_puts_back_what_is_still_as_the_change_left_it():
    row = customer()
    plan = plan_change(row, {"category": "A", "industry": "机械", "owner_id": OTHER}, share_with=BOSS, shared_with=[])
    after = customer(category="A", industry="机械", owner_id=OTHER)
    undo = plan_undo(after, plan.before, plan.after, share_added=plan.share_added, share_removed=None,
                     shared_with=[BOSS])
    assert types(undo) == ["customer.customer.updated", "customer.customer.transferred", "customer.customer.unshared"]
    assert undo.steps[0].values == {"category": "B", "industry": "电子"}
    assert undo.steps[1].values == {"owner_id": REP} and undo.share_removed == BOSS and not undo.skipped
    # someone changed the industry and took the share away since: those stay
    changed = {**after, "industry": "化工"}
    undo = plan_undo(changed, plan.before, plan.after, share_added=BOSS, share_removed=None, shared_with=[])
    assert undo.steps[0].values == {"category": "B"} and undo.skipped == ["industry", "share_with"]


def test_undo_of_status_and_custom_fields_and_of_a_dropped_share():
    row = customer(status="lost", lost_reason="价格", custom_fields={})
    plan = plan_change(row, {"status": "active", "custom_fields": {"级别": "重点"}, "owner_id": OTHER},
                       share_with=None, shared_with=[OTHER])
    now = customer(status="active", lost_reason=None, custom_fields={"级别": "重点"}, owner_id=OTHER)
    undo = plan_undo(now, plan.before, plan.after, share_added=None, share_removed=plan.share_removed,
                     shared_with=[])
    assert types(undo) == ["customer.customer.updated", "customer.customer.lost",
                           "customer.customer.transferred", "customer.customer.shared"]
    assert undo.steps[0].values == {"custom_fields": {}}  # the field it added is removed again
    assert undo.steps[1].values == {"status": "lost", "lost_reason": "价格"}
    assert undo.share_added == OTHER  # the share the transfer dropped comes back
