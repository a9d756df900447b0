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


def test_claims_within_the_validity_period_only():
    from datetime import date, timedelta

    from services.billing.domain.expenses import check_incurred_on
    from shared.errors import ValidationFailed

    today = date(2026, 11, 30)
    check_incurred_on(today, today=today, validity_days=90)
    check_incurred_on(today - timedelta(days=90), today=today, validity_days=90)  # the last day still counts
    check_incurred_on(today + timedelta(days=1), today=today, validity_days=90)   # already today east of UTC
    check_incurred_on(date(2001, 1, 1), today=today, validity_days=0)             # 0: no limit
    with pytest.raises(ValidationFailed) as exc:
        check_incurred_on(today - timedelta(days=91), today=today, validity_days=90)
    assert exc.value.code == "expense_claim_expired"
    assert "2026-11-29" in exc.value.details["incurred_on"][0]  # says until when it could be claimed
    with pytest.raises(ValidationFailed) as exc:
        check_incurred_on(today + timedelta(days=2), today=today, validity_days=0)
    assert exc.value.code == "expense_date_in_future"
