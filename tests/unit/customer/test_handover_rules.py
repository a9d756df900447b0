"""A rep's hand-over rules (domain/handover.py, no I/O)."""

from __future__ import annotations

import uuid

from services.customer.domain.handover import check_request, may_start, new_progress

A, B = str(uuid.uuid4()), str(uuid.uuid4())


def test_the_request_names_two_different_users():
    assert check_request({"from_user_id": A, "to_user_id": B}) == {}
    assert check_request({}) == {"from_user_id": ["required"], "to_user_id": ["required"]}
    assert check_request({"from_user_id": "x", "to_user_id": B}) == {"from_user_id": ["must be a user id"]}
    assert check_request({"from_user_id": A, "to_user_id": A}) == {
        "to_user_id": ["must be someone else than the rep handing over"]}
    assert check_request({"from_user_id": A, "to_user_id": B, "colour": 1}) == {"colour": ["unknown field"]}
    assert check_request({"from_user_id": A, "to_user_id": 5})["to_user_id"] == ["must be a user id"]


def test_only_an_admin_or_a_manager_above_the_rep_starts_one():
    assert may_start("admin", False)
    assert may_start("manager", True)
    assert not may_start("manager", False)
    assert not may_start("sales", True)
    assert not may_start("finance", True)


def test_progress_starts_unknown():
    assert new_progress(A, B) == {"from_user_id": A, "to_user_id": B, "leads": None, "tasks": None,
                                  "opportunities": None}
