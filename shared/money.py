"""Money as Decimal: parsing from the API and from files (more decimal places than allowed
is refused, never rounded), rounding half-up to cents in computations, formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

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


def fmt_optional(value: Decimal | None) -> str | None:
    """fmt, with None (no amount) kept as None."""
    return fmt(value) if value is not None else None


def parse_decimal(value: Any) -> Decimal:
    """A JSON number or decimal string -> a finite Decimal; ValueError otherwise. Floats go
    through str() (no binary noise); booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError("must be a decimal string or a number")
    text = str(value).strip()
    if len(text) > 64:
        raise ValueError("is too long for a number")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError("must be a decimal number such as \"1234.50\"") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


def decimal_in_range(value: Any, *, minimum: Decimal, maximum: Decimal, places: int) -> Decimal:
    """parse_decimal, then within [minimum, maximum] and at most `places` decimal places
    (checked by magnitude first: quantizing 1e30 would overflow the context)."""
    number = parse_decimal(value)
    if number < minimum or number > maximum:
        raise ValueError(f"must be from {minimum} to {maximum}")
    quantum = Decimal(1).scaleb(-places)
    if number.as_tuple().exponent < -places and number != number.quantize(quantum):  # type: ignore[operator]
        raise ValueError(f"must have at most {places} decimal places")
    return number.quantize(quantum)
