"""Issue 16's order rules, no I/O: fees in the money rules, which edits a status allows,
and where a held order goes after an edit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.sales.domain import orders as rules
from services.sales.domain.money import Amounts, fee_amounts, line_amounts, totals


def test_a_fee_is_net_with_tax_at_its_rate_half_up():
    assert fee_amounts(Decimal("50.00"), Decimal("13")) == Amounts(Decimal("50.00"), Decimal("6.50"), Decimal("56.50"))
    assert fee_amounts(Decimal("0.05"), Decimal("13")) == Amounts(Decimal("0.05"), Decimal("0.01"), Decimal("0.06"))
    assert fee_amounts(Decimal("10"), Decimal("0")).gross == Decimal("10.00")


def test_fees_add_to_the_lines_totals():
    line = line_amounts(2, Decimal("100.00"), Decimal("0"), Decimal("13"))
    total = totals([line, fee_amounts(Decimal("50.00"), Decimal("13")), fee_amounts(Decimal("120.00"), Decimal("6"))])
    assert (total.net, total.tax, total.gross) == (Decimal("370.00"), Decimal("39.70"), Decimal("409.70"))


@pytest.mark.parametrize("changed", [{"lines"}, {"fees"}, {"delivery_date"}, {"lines", "fees", "delivery_date"}])
def test_a_held_order_takes_any_edit(changed):
    rules.check_editable(rules.PENDING_APPROVAL, changed)


@pytest.mark.parametrize("changed", [{"fees"}, {"delivery_date"}, {"fees", "delivery_date"}])
def test_a_pending_order_takes_fees_and_a_date(changed):
    rules.check_editable(rules.PENDING, changed)


def test_a_pending_orders_lines_are_refused_with_the_reason():
    with pytest.raises(rules.NotEditable) as exc:
        rules.check_editable(rules.PENDING, {"lines", "fees"})
    assert exc.value.fields == ("lines",) and "reservation" in str(exc.value)


@pytest.mark.parametrize("status", [s for s in rules.STATUSES if s not in rules.EDITABLE])
def test_later_statuses_are_not_edited(status):
    with pytest.raises(rules.NotEditable) as exc:
        rules.check_editable(status, {"delivery_date"})
    assert exc.value.status == status and exc.value.fields == ()


def test_where_an_edited_order_goes():
    assert rules.status_after_edit(rules.PENDING_APPROVAL, held=True) == rules.PENDING_APPROVAL
    assert rules.status_after_edit(rules.PENDING_APPROVAL, held=False) == rules.PENDING
    assert rules.status_after_edit(rules.PENDING, held=False) == rules.PENDING
