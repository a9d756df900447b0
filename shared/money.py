"""Money as Decimal: parsing from the API, rounding half-up to cents, formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class BadAmount(ValueError):
    pass


def to_decimal(value: object) -> Decimal:
    """A decimal string or number (not a float's binary noise: str() first) -> Decimal."""
    if isinstance(value, bool) or value is None:
        raise BadAmount("not a number")
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise BadAmount(f"not a number: {value!r}") from exc
    if not d.is_finite():
        raise BadAmount("not a finite number")
    return d


def cents(value: Decimal) -> Decimal:
    """Round half-up to two places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """The API's money string: two places, e.g. "1234.50"."""
    return str(cents(value))
