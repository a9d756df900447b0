"""Field helpers for event schemas, and the value ranges every service agrees on.

The ranges are part of the contract: a producer validates its payloads against these
schemas before it commits (shared.outbox), so it can never commit an event that a
consumer could not store. Each bound is what the narrowest column that keeps the value
in any service holds; the request fields in shared.fields use the same constants, so an
API refuses (422) what its own event could not carry.

- Money: at most MAX_MONEY (999,999,999,999.99, what NUMERIC(14,2) holds: billing's and
  inventory's money columns). One price, one line and one opportunity: at most
  MAX_DEAL_AMOUNT (10^11, the sales service's limit, so that 200 lines still fit).
- Quantities and counts: whole numbers within PostgreSQL's INTEGER (int32).
- Percentages: 0..100 with at most four places (NUMERIC(7,4)).
- Dates and times: years MIN_YEAR..MAX_YEAR (1900..2999). Business dates outside that
  range are typing mistakes, and it keeps every date clear of the ends of Python's
  datetime (year 1 and 9999), where shifting by a day or a time zone overflows.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields, validate

MAX_MONEY = Decimal("999999999999.99")      # NUMERIC(14,2)
MAX_DEAL_AMOUNT = Decimal("100000000000.00")  # 10^11: a unit price, a line, an opportunity
INT32_MAX = 2_147_483_647                     # PostgreSQL INTEGER
MAX_QUANTITY = 10_000_000                     # one line of an order, a receipt, a shipment
MAX_PCT = Decimal(100)
MIN_YEAR = 1900
MAX_YEAR = 2999

_MONEY_TEXT = re.compile(r"^-?\d{1,13}\.\d{2}$")
_UUID_TEXT = re.compile(r"^[0-9a-fA-F-]{36}$")


def uuid_str(**kw) -> fields.String:
    return fields.String(validate=validate.Regexp(_UUID_TEXT), **kw)


class _MoneyRange(validate.Validator):
    def __init__(self, minimum: Decimal | None, maximum: Decimal):
        self.minimum = minimum
        self.maximum = maximum

    def __call__(self, value: Any) -> Any:
        if value is None:
            return value
        amount = Decimal(value)
        if amount > self.maximum or (self.minimum is not None and amount < self.minimum):
            low = "" if self.minimum is None else f"{self.minimum} "
            raise ValidationError(f"must be within {low}..{self.maximum}")
        return value


def money(*, minimum: Decimal | None = None, maximum: Decimal = MAX_MONEY, **kw) -> fields.String:
    """A decimal string with two places, as in the API ("1234.50"), within the range a
    NUMERIC(14,2) column holds (or a narrower one)."""
    return fields.String(validate=[validate.Regexp(_MONEY_TEXT), _MoneyRange(minimum, maximum)], **kw)


def quantity(*, minimum: int = 0, maximum: int = INT32_MAX, **kw) -> fields.Integer:
    """A whole number an INTEGER column holds."""
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kw)


def count(**kw) -> fields.Integer:
    """A count or stock level: an INTEGER, negative allowed only where a caller says so."""
    return quantity(**kw)


qty = quantity  # for schemas with a field named quantity


def _pct(value: Any) -> Any:
    if value is None:
        return value
    try:
        pct = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError("must be a percentage") from None
    if not pct.is_finite() or pct < 0 or pct > MAX_PCT or pct != pct.quantize(Decimal("0.0001")):
        raise ValidationError("must be a percentage from 0 to 100 with at most four places")
    return value


def pct(**kw) -> fields.String:
    """A percentage as a decimal string, 0..100, at most four places (NUMERIC(7,4))."""
    return fields.String(validate=_pct, **kw)


def in_year_range(moment: dt.date) -> bool:
    return MIN_YEAR <= moment.year <= MAX_YEAR


def _iso_date(value: Any) -> Any:
    if value is None:
        return value
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError("must be a date YYYY-MM-DD") from None
    if not in_year_range(day):
        raise ValidationError(f"must be a date in the years {MIN_YEAR} to {MAX_YEAR}")
    return value


def _iso_time(value: Any) -> Any:
    if value is None:
        return value
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError("must be an ISO 8601 time") from None
    if not in_year_range(moment):
        raise ValidationError(f"must be a time in the years {MIN_YEAR} to {MAX_YEAR}")
    return value


def date_str(**kw) -> fields.String:
    """An ISO date ("2027-03-31") within the agreed years."""
    return fields.String(validate=_iso_date, **kw)


def time_str(**kw) -> fields.String:
    """An ISO 8601 time ("2026-11-22T08:00:00+00:00") within the agreed years."""
    return fields.String(validate=_iso_time, **kw)
