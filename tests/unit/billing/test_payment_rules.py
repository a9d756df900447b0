"""Who may record money and the life of a payment (domain/payments.py)."""

from __future__ import annotations

import pytest

from services.billing.domain import payments as rules
from shared.errors import Conflict, Forbidden


@pytest.mark.parametrize("role", ["admin", "finance"])
@pytest.mark.parametrize("setting", [False, True])
def test_finance_records_confirmed_payments_of_any_method(role, setting):
    for method in ("cash", "bank_transfer"):
        assert rules.status_when_recorded(role, method, reps_record_cash=setting) == "confirmed"


@pytest.mark.parametrize("role", ["sales", "manager", "warehouse"])
def test_nobody_else_records_payments_by_default(role):
    with pytest.raises(Forbidden):
        rules.check_may_record(role, reps_record_cash=False)
    with pytest.raises(Forbidden):
        rules.status_when_recorded(role, "cash", reps_record_cash=False)


@pytest.mark.parametrize("role", ["sales", "manager"])
def test_with_the_setting_reps_record_cash_only_and_unconfirmed(role):
    assert rules.status_when_recorded(role, "cash", reps_record_cash=True) == "unconfirmed"
    with pytest.raises(Forbidden) as refused:
        rules.status_when_recorded(role, "wechat_pay", reps_record_cash=True)
    assert "method" in refused.value.details


def test_the_warehouse_never_records_even_with_the_setting():
    with pytest.raises(Forbidden):
        rules.status_when_recorded("warehouse", "cash", reps_record_cash=True)


def test_only_an_unconfirmed_payment_is_confirmed_or_rejected():
    assert rules.next_status("unconfirmed", "confirm") == "confirmed"
    assert rules.next_status("unconfirmed", "reject") == "rejected"
    for status in ("confirmed", "rejected"):
        for action in ("confirm", "reject"):
            with pytest.raises(Conflict) as exc:
                rules.next_status(status, action)
            assert exc.value.code == "invalid_payment_state"
