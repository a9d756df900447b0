import pytest

from services.billing.domain.expenses import check_may_act, next_status
from shared.errors import Conflict, Forbidden


def test_state_machine():
    assert next_status("submitted", "approve") == "approved"
    assert next_status("submitted", "reject") == "rejected"
    assert next_status("approved", "pay") == "paid"
    for current, action in [("approved", "approve"), ("rejected", "approve"), ("paid", "reject"),
                            ("approved", "reject")]:
        with pytest.raises(Conflict) as exc:
            next_status(current, action)
        assert exc.value.code == "invalid_expense_state"
    for current in ("submitted", "rejected", "paid"):
        with pytest.raises(Conflict) as exc:
            next_status(current, "pay")
        assert exc.value.code == "expense_not_approved"


def _may(action, role, *, own=False, manages=False):
    check_may_act(action, actor_id="me", actor_role=role, submitter_id="me" if own else "rep",
                  actor_manages_submitter=manages)


def test_rights():
    _may("approve", "manager", manages=True)
    _may("reject", "admin")
    _may("pay", "finance")
    _may("pay", "admin")
    for action, role, kw in [("approve", "manager", {}), ("approve", "sales", {}), ("approve", "finance", {}),
                             ("approve", "manager", {"own": True}), ("pay", "manager", {"manages": True}),
                             ("pay", "sales", {"own": True})]:
        with pytest.raises(Forbidden):
            _may(action, role, **kw)
