"""A quote discounted past the threshold: its approval's state machine and who decides."""

from __future__ import annotations

import pytest

from services.sales.documents import wrapped
from services.sales.domain.quote_approval import (
    ApprovalRefused,
    approval_refusal,
    may_go_out,
    next_approval,
)


def step(action, approval_status=None, *, quote_status="draft", needs=True):
    return next_approval(quote_status=quote_status, needs_approval=needs, approval_status=approval_status,
                         action=action)


def test_the_approval_moves():
    assert step("submit") == "pending"
    assert step("submit", "rejected") == "pending"  # asked again after a refusal
    assert step("approve", "pending") == "approved"
    assert step("reject", "pending") == "rejected"


@pytest.mark.parametrize("action,state,kw,code", [
    ("submit", None, {"needs": False}, "approval_not_needed"),
    ("submit", "pending", {}, "illegal_transition"),
    ("submit", "approved", {}, "illegal_transition"),
    ("approve", None, {}, "illegal_transition"),
    ("approve", "approved", {}, "illegal_transition"),
    ("reject", "rejected", {}, "illegal_transition"),
    ("approve", "pending", {"quote_status": "sent"}, "illegal_transition"),
    ("submit", None, {"quote_status": "expired"}, "illegal_transition"),
])
def test_illegal_moves(action, state, kw, code):
    with pytest.raises(ApprovalRefused) as exc:
        step(action, state, **kw)
    assert exc.value.code == code


def test_what_may_go_out():
    assert may_go_out(False, None)
    assert may_go_out(True, "approved")
    for state in (None, "pending", "rejected"):
        assert not may_go_out(True, state)


def test_four_eyes():
    assert approval_refusal("admin", "a", ["r"], manages_owner=False) is None
    assert approval_refusal("manager", "m", ["r"], manages_owner=True) is None
    assert approval_refusal("manager", "m2", ["r"], manages_owner=False)
    assert approval_refusal("admin", "a", ["a"], manages_owner=False)  # an admin's own quote
    assert approval_refusal("sales", "r2", ["r"], manages_owner=False)


def test_terms_are_wrapped_for_the_pdf():
    assert wrapped("付款方式：预付30%\n交货期：30天") == ["付款方式：预付30%", "交货期：30天"]
    long = "质" * 100
    assert [len(r) for r in wrapped(long)] == [42, 42, 16]
    assert [len(r) for r in wrapped("a" * 100)] == [84, 16]
