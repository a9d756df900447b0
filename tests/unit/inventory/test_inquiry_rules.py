"""Purchase inquiries' comparison of suppliers' offers, and their closing."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from services.inventory.domain.inquiries import InquiryClosed, check_open, compare

ASKED = {"pump": 10, "valve": 4}


def test_the_cheapest_complete_offer_wins_partial_ones_come_last():
    offers = {
        "A": {"pump": (D("100.00"), 10), "valve": (D("20.00"), 30)},   # 1,080.00, complete
        "B": {"pump": (D("90.00"), 7)},                                 # 900.00 but no valves
        "C": {"pump": (D("95.00"), 5), "valve": (D("25.00"), 5)},      # 1,050.00, complete
        "D": {"pump": (D("95.00"), None), "valve": (D("25.00"), 20), "bolt": (D("1.00"), 1)},  # a product not asked
    }
    compared, best = compare(ASKED, offers)
    assert [o.supplier_id for o in compared] == ["C", "D", "A", "B"]  # equal totals: the shorter lead first
    assert best == "C"
    by = {o.supplier_id: o for o in compared}
    assert (by["A"].total, by["A"].complete, by["A"].lead_days) == (D("1080.00"), True, 30)
    assert (by["B"].total, by["B"].priced, by["B"].complete) == (D("900.00"), 1, False)
    assert (by["D"].total, by["D"].priced, by["D"].lead_days) == (D("1050.00"), 2, 20)


def test_no_complete_offer_means_no_best():
    compared, best = compare(ASKED, {"B": {"pump": (D("90.00"), 7)}})
    assert best is None and compared[0].complete is False
    assert compare(ASKED, {}) == ([], None)


@pytest.mark.parametrize("status", ["ordered", "cancelled"])
def test_a_closed_inquiry_changes_no_more(status):
    check_open("open")
    with pytest.raises(InquiryClosed):
        check_open(status)
