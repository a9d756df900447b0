from decimal import Decimal

import pytest

from services.billing.domain.money_rules import (
    check_billable,
    check_invoice_fits,
    check_payment_fits,
    check_requested_number,
    fmt_rate,
    invoice_number,
    parse_invoice_number,
    payment_status,
    to_cny,
)
from shared.errors import Conflict

D = Decimal


@pytest.mark.parametrize("amount,currency,rate,expected", [
    (D("100.00"), "USD", D("7.100000"), D("710.00")),
    (D("0.01"), "USD", D("7.125000"), D("0.07")),       # 0.07125 -> 0.07
    (D("0.02"), "EUR", D("7.625000"), D("0.15")),       # 0.1525 -> 0.15
    (D("0.10"), "JPY", D("0.045000"), D("0.00")),       # 0.0045 -> 0.00
    (D("1.00"), "HKD", D("0.915000"), D("0.92")),       # 0.915 -> 0.92
    (D("3.00"), "HKD", D("0.915000"), D("2.75")),       # 2.745 -> 2.75 (half-up, banker's would give 2.74)
    (D("123.45"), "CNY", D("99"), D("123.45")),         # CNY ignores the rate
])
def test_conversion_rounds_half_up_to_cents(amount, currency, rate, expected):
    assert to_cny(amount, currency, rate) == expected


def test_rate_format_has_six_places():
    assert fmt_rate(D("7.1")) == "7.100000"


@pytest.mark.parametrize("gross,paid,status", [
    ("305.10", "0.00", "unpaid"), ("305.10", "0.01", "partially_paid"), ("305.10", "305.09", "partially_paid"),
    ("305.10", "305.10", "paid"), ("0.00", "0.00", "paid"),
])
def test_payment_status(gross, paid, status):
    assert payment_status(D(gross), D(paid)) == status


def test_invoice_limit_allows_exact_gross_and_refuses_a_cent_more():
    check_invoice_fits(D("100.00"), D("60.00"), D("40.00"))
    with pytest.raises(Conflict) as exc:
        check_invoice_fits(D("100.00"), D("60.00"), D("40.01"))
    assert exc.value.code == "invoice_exceeds_order"
    assert exc.value.details["available"] == "40.00"


def test_payment_limit():
    check_payment_fits(D("100.00"), D("0.00"), D("100.00"))
    with pytest.raises(Conflict) as exc:
        check_payment_fits(D("100.00"), D("99.99"), D("0.02"))
    assert exc.value.code == "payment_exceeds_order"
    assert exc.value.details["remaining"] == "0.01"


def test_cancelled_and_rejected_orders_are_not_billable():
    check_billable("confirmed")
    for status in ("cancelled", "rejected"):
        with pytest.raises(Conflict) as exc:
            check_billable(status)
        assert exc.value.code == "order_not_billable"


def test_invoice_numbers_round_trip():
    assert invoice_number(2026, 7) == "FP-2026-000007"
    assert parse_invoice_number("FP-2026-000007") == (2026, 7)
    assert parse_invoice_number("FP-2026-1234567") == (2026, 1234567)
    assert parse_invoice_number("INV-1") is None


def test_requested_number_must_be_the_next_one():
    check_requested_number(None, "FP-2026-000003")
    check_requested_number("FP-2026-000003", "FP-2026-000003")
    with pytest.raises(Conflict) as exc:
        check_requested_number("FP-2026-000009", "FP-2026-000003")
    assert exc.value.code == "invoice_number_out_of_sequence"
    assert exc.value.details["expected"] == "FP-2026-000003"
