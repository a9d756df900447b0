"""Money rules of quotes and orders (no I/O): line net, tax and gross, totals, and the
conversion between tax-inclusive and tax-exclusive unit prices. Decimal throughout,
rounded half-up to cents (shared.money)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shared.events.fields import MAX_DEAL_AMOUNT
from shared.money import ZERO, cents

HUNDRED = Decimal(100)
MAX_AMOUNT = MAX_DEAL_AMOUNT  # 10^11: a unit price, an opportunity, one line's gross (the event contract's bound)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    tax: Decimal
    gross: Decimal


def line_amounts(quantity: int, unit_price: Decimal, discount_pct: Decimal, tax_rate: Decimal) -> Amounts:
    """net = qty x price x (1 - discount%), half-up to cents; tax = net x rate, half-up."""
    net = cents(Decimal(quantity) * unit_price * (HUNDRED - discount_pct) / HUNDRED)
    tax = cents(net * tax_rate / HUNDRED)
    return Amounts(net, tax, net + tax)


def totals(lines: Iterable[Amounts]) -> Amounts:
    """Totals are the sums of the (already rounded) lines."""
    net = tax = ZERO
    for line in lines:
        net += line.net
        tax += line.tax
    return Amounts(net, tax, net + tax)


def fee_amounts(amount: Decimal, tax_rate: Decimal) -> Amounts:
    """A fee on an order (freight, installation, other): its amount is net; tax = net x
    rate, half-up, as a line's."""
    net = cents(amount)
    tax = cents(net * tax_rate / HUNDRED)
    return Amounts(net, tax, net + tax)


def exclusive_from_inclusive(price_incl_tax: Decimal, tax_rate: Decimal) -> Decimal:
    """The tax-exclusive unit price of a tax-inclusive one: incl / (1 + rate), half-up."""
    return cents(price_incl_tax * HUNDRED / (HUNDRED + tax_rate))


def inclusive_from_exclusive(price: Decimal, tax_rate: Decimal) -> Decimal:
    """The tax-inclusive unit price: price x (1 + rate), half-up to cents."""
    return cents(price * (HUNDRED + tax_rate) / HUNDRED)


def weighted(amount: Decimal, probability: int) -> Decimal:
    """An opportunity's amount weighted by its probability (percent), half-up to cents."""
    return cents(amount * Decimal(probability) / HUNDRED)


def pct_str(value: Decimal) -> str:
    """A percentage as the API shows it: no trailing zeros ("10", "12.5")."""
    normalized = value.normalize()
    text = format(normalized, "f")
    return text if text != "-0" else "0"
