"""Sales targets' rules: months, amounts, and who may set a rep's target."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.sales.domain.targets import check_amount, check_may_set, check_month
from services.tracking.domain.periods import is_month
from shared.errors import Forbidden, ValidationFailed


@pytest.mark.parametrize("good", ["2026-01", "2026-12", "1901-06", "2999-12"])
def test_months(good):
    assert check_month(good) == good and is_month(good)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "1900-12", "3000-01", "",
                                 "２０２６-11", "2026-11-01"])
def test_bad_months(bad):
    with pytest.raises(ValidationFailed) as exc:
        check_month(bad)
    assert "month" in exc.value.details
    assert not is_month(bad)


def test_amounts():
    assert check_amount(Decimal("0.01")) == Decimal("0.01")
    for bad in (Decimal("0"), Decimal("-5")):
        with pytest.raises(ValidationFailed):
            check_amount(bad)


def _may(actor_role: str, *, actor_id: str = "m", owner_id: str = "r", owner_role: str | None = "sales",
         manages: bool = False) -> None:
    check_may_set(actor_id=actor_id, actor_role=actor_role, owner_id=owner_id, owner_role=owner_role,
                  actor_manages_owner=manages)


def test_who_may_set_a_target():
    _may("admin")
    _may("manager", manages=True)
    _may("admin", owner_role="manager")
    _may("manager", owner_role="manager", manages=True)  # a director sets a team lead's
    for role, kw in [("manager", {}), ("sales", {"actor_id": "r"}), ("finance", {}), ("warehouse", {}),
                     ("manager", {"actor_id": "r", "owner_id": "r", "owner_role": "manager", "manages": True})]:
        with pytest.raises(Forbidden):
            _may(role, **kw)
    for owner_role in (None, "finance", "warehouse", "admin"):
        with pytest.raises(ValidationFailed):
            _may("admin", owner_role=owner_role)
