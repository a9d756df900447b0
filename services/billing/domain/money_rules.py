"""Money rules of billing: currency conversion to CNY, an order's payment status, the
invoice limit and the invoice number format.

All dates and years are UTC (the rate "of the day" is the rate for the payment's UTC date).
"""

from __future__ import annotations

import re
from decimal import Decimal

from shared.errors import Conflict
from shared.money import ZERO, cents, fmt

BASE_CURRENCY = "CNY"
RATE_PLACES = Decimal("0.000001")
INVOICE_PREFIX = "FP"
_NUMBER_RE = re.compile(rf"^{INVOICE_PREFIX}-(\d{{4}})-(\d{{6,}})$")

# Orders in these states take no more invoices, payments or allocations.
NOT_BILLABLE = frozenset({"cancelled", "rejected"})


def to_cny(amount: Decimal, currency: str, rate_to_cny: Decimal) -> Decimal:
    """The amount in CNY at the given rate, rounded half-up to cents (CNY: rate 1)."""
    if currency == BASE_CURRENCY:
        return cents(amount)
    return cents(amount * rate_to_cny)


def fmt_rate(rate: Decimal) -> str:
    """A rate as the API shows it: six places ("7.100000")."""
    return str(rate.quantize(RATE_PLACES))


def payment_status(gross: Decimal, paid: Decimal) -> str:
    """unpaid / partially_paid / paid from the CNY paid amount against the order's gross."""
    if paid <= ZERO:
        return "paid" if gross <= ZERO else "unpaid"
    return "paid" if paid >= gross else "partially_paid"


def check_invoice_fits(gross: Decimal, invoiced: Decimal, amount: Decimal) -> None:
    """409 invoice_exceeds_order when the non-void invoices would pass the order's gross."""
    available = gross - invoiced
    if amount > available:
        raise Conflict(
            f"the invoices of this order would exceed its gross total ({fmt(gross)})",
            code="invoice_exceeds_order",
            details={"gross": fmt(gross), "invoiced": fmt(invoiced),
                     "available": fmt(max(available, ZERO)), "amount": fmt(amount)},
        )


def check_payment_fits(gross: Decimal, paid: Decimal, amount_cny: Decimal) -> None:
    """409 payment_exceeds_order when payments on an order would pass its gross
    (the surplus belongs on a prepayment: a payment without order_id)."""
    remaining = gross - paid
    if amount_cny > remaining:
        raise Conflict(
            "the payments of this order would exceed its gross total; record the surplus as a prepayment",
            code="payment_exceeds_order",
            details={"gross": fmt(gross), "paid": fmt(paid),
                     "remaining": fmt(max(remaining, ZERO)), "amount_cny": fmt(amount_cny)},
        )


def check_billable(status: str) -> None:
    if status in NOT_BILLABLE:
        raise Conflict(f"the order is {status}", code="order_not_billable", details={"status": status})


def invoice_number(year: int, seq: int) -> str:
    """FP-2026-000001: the prefix, the year, the number within the year."""
    return f"{INVOICE_PREFIX}-{year:04d}-{seq:06d}"


def parse_invoice_number(number: str) -> tuple[int, int] | None:
    match = _NUMBER_RE.match(number or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


def check_requested_number(requested: str | None, assigned: str) -> None:
    """A caller may state the number it expects (e.g. the pre-printed fapiao in hand);
    it must be the next one of the year, or numbering would get a gap or a duplicate."""
    if requested is not None and requested != assigned:
        raise Conflict(
            f"invoice numbers are continuous per year; the next number is {assigned}",
            code="invoice_number_out_of_sequence",
            details={"number": [f"expected {assigned}"], "expected": assigned},
        )
