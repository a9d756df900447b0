from decimal import Decimal as D

import pytest
from marshmallow import Schema, ValidationError

from services.sales.api.common import MoneyField, PctField
from services.sales.domain.money import (
    Amounts,
    exclusive_from_inclusive,
    inclusive_from_exclusive,
    line_amounts,
    pct_str,
    totals,
    weighted,
)


class PriceAndPct(Schema):
    price = MoneyField()
    pct = PctField()


def parse_price(value):
    return PriceAndPct().load({"price": value})["price"]


def parse_pct(value):
    return PriceAndPct().load({"pct": value})["pct"]


def test_api_example():
    assert line_amounts(3, D("100.00"), D("10"), D("13")) == Amounts(D("270.00"), D("35.10"), D("305.10"))


@pytest.mark.parametrize("qty,price,disc,rate,net,tax", [
    (1, "0.05", "50", "0", "0.03", "0.00"),        # 0.025 -> 0.03 (half-up, not banker's)
    (1, "0.15", "50", "0", "0.08", "0.00"),        # 0.075 -> 0.08
    (1, "10.05", "0", "5", "10.05", "0.50"),       # tax 0.5025 -> 0.50
    (1, "10.10", "0", "5", "10.10", "0.51"),       # tax 0.505 -> 0.51
    (3, "33.33", "0", "13", "99.99", "13.00"),     # 12.9987 -> 13.00
    (7, "1.99", "12.5", "6", "12.19", "0.73"),     # 12.18875 -> 12.19; 0.7314 -> 0.73
    (1, "100.00", "100", "13", "0.00", "0.00"),
    (1000000, "9999.99", "0", "13", "9999990000.00", "1299998700.00"),
])
def test_rounding_half_up_per_line(qty, price, disc, rate, net, tax):
    a = line_amounts(qty, D(price), D(disc), D(rate))
    assert (a.net, a.tax, a.gross) == (D(net), D(tax), D(net) + D(tax))


def test_totals_are_sums_of_rounded_lines_not_rounded_sums():
    lines = [line_amounts(1, D("0.05"), D("50"), D("0")) for _ in range(3)]   # 0.025 each -> 0.03
    assert totals(lines).net == D("0.09")   # rounding the sum (0.075) would say 0.08
    assert totals([]) == Amounts(D("0.00"), D("0.00"), D("0.00"))


@pytest.mark.parametrize("incl,rate,excl", [("113.00", "13", "100.00"), ("100.00", "13", "88.50"),
                                            ("1.00", "6", "0.94"), ("0.00", "13", "0.00"), ("50.00", "0", "50.00")])
def test_inclusive_to_exclusive(incl, rate, excl):
    assert exclusive_from_inclusive(D(incl), D(rate)) == D(excl)


def test_exclusive_to_inclusive_and_back():
    assert inclusive_from_exclusive(D("100.00"), D("13")) == D("113.00")
    assert inclusive_from_exclusive(D("88.50"), D("13")) == D("100.01")  # cents are lost one way
    for cents in range(1, 2000, 37):
        price = D(cents) / 100
        assert exclusive_from_inclusive(inclusive_from_exclusive(price, D("13")), D("13")) == price


@pytest.mark.parametrize("value", ["-1", "100.01", "abc", None, True, "NaN", "Infinity", "12.12345", "1e999999"])
def test_bad_percentages(value):
    with pytest.raises(ValidationError):
        parse_pct(value)


def test_percentages_and_prices():
    assert parse_pct(13) == D("13") and parse_pct("12.5") == D("12.5") and parse_pct(0.1) == D("0.1")
    assert parse_price("1234.50") == D("1234.50") and parse_price(3) == D("3")
    assert parse_price("100000000000.00") == D("1E11")
    for bad in ("-0.01", "1.005", "x", None, "100000000000.01", "1e999999", "1e30"):
        with pytest.raises(ValidationError):  # "1.005": refused, never rounded (shared.fields.Money)
            parse_price(bad)
    assert pct_str(D("10.0000")) == "10" and pct_str(D("12.5000")) == "12.5" and pct_str(D("0.0000")) == "0"


def test_weighted():
    assert weighted(D("500.50"), 50) == D("250.25") and weighted(D("0.01"), 50) == D("0.01")
