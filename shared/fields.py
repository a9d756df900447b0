"""marshmallow fields for request bodies that every service shares: ids (UUID text),
money (one rule: more than the field's decimal places is a 422, never rounded), whole
numbers, dates and times within the ranges the event contract agrees on
(shared.events.fields), and single-line text. Each refuses what it cannot hold with a
ValidationError (422 naming the field through shared.web.load), never an exception that
ends as a 500.

Text with NUL characters, lone surrogates, non-finite numbers and JSON nested too deep
are refused for every body before any schema sees it (shared.web.json_body)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate

from shared.events.fields import (
    INT32_MAX,
    MAX_DEAL_AMOUNT,
    MAX_MONEY,
    MAX_PCT,
    MAX_QUANTITY,
    MAX_YEAR,
    MIN_YEAR,
    in_year_range,
)
from shared.money import decimal_in_range, parse_decimal

__all__ = ["AwareDateTime", "Date", "Integer", "MAX_DEAL_AMOUNT", "MAX_MONEY", "MAX_QUANTITY", "Money",
           "Percent", "SingleLine", "UuidStr", "decimal_in_range", "parse_decimal", "uuid_field"]

YEARS = f"years {MIN_YEAR} to {MAX_YEAR}"


class UuidStr(fields.String):
    """An id: UUID text in any form uuid.UUID reads -> its canonical lower-case text
    (what every table stores), else "must be a UUID"."""

    def __init__(self, **kw: Any):
        kw.setdefault("metadata", {}).setdefault("format", "uuid")
        super().__init__(**kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise ValidationError("must be a UUID") from None


def uuid_field(*, required: bool = False, **kw: Any) -> UuidStr:
    """An id field; an optional one (not required) may also be null unless told otherwise."""
    if not required:
        kw.setdefault("allow_none", True)
    return UuidStr(required=required, **kw)


class Money(fields.Field):
    """A money amount as a decimal string or number -> Decimal with two places, within
    [minimum, maximum] (default 0..MAX_MONEY, what NUMERIC(14,2) holds)."""

    def __init__(self, *, minimum: Decimal | int = 0, maximum: Decimal = MAX_MONEY, places: int = 2, **kw: Any):
        super().__init__(**kw)
        self.minimum = Decimal(minimum)
        self.maximum = Decimal(maximum)
        self.places = places

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return decimal_in_range(value, minimum=self.minimum, maximum=self.maximum, places=self.places)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class Percent(Money):
    """A percentage in percent (13 means 13%), 0..100, at most four places."""

    def __init__(self, **kw: Any):
        super().__init__(minimum=0, maximum=MAX_PCT, places=4, **kw)


class Integer(fields.Integer):
    """A whole number (JSON integer, not 1.0 or "1"), within [minimum, maximum]
    (default 0..INT32_MAX, what an INTEGER column holds)."""

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, **kw: Any):
        checks = [validate.Range(min=minimum, max=maximum)]
        extra = kw.pop("validate", None)
        if extra is not None:
            checks += extra if isinstance(extra, list) else [extra]
        super().__init__(strict=True, validate=checks, **kw)


class Date(fields.Date):
    """An ISO date (YYYY-MM-DD) in the agreed years."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError("must be a date YYYY-MM-DD")
        day = super()._deserialize(value, attr, data, **kwargs)
        if not in_year_range(day):
            raise ValidationError(f"must be a date in the {YEARS}")
        return day


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 time with a UTC offset (naive ones taken as UTC unless told otherwise)
    in the agreed years, checked before any time-zone shift can overflow."""

    def __init__(self, *, default_timezone: dt.tzinfo | None = dt.UTC, **kw: Any):
        super().__init__(default_timezone=default_timezone, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        if not isinstance(value, str) or len(value) > 64:
            raise ValidationError("must be an ISO 8601 time")
        try:
            moment = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError:
            raise ValidationError(f"must be a time in the {YEARS}") from None
        if not in_year_range(moment):
            raise ValidationError(f"must be a time in the {YEARS}")
        return moment


def _single_line(value: Any) -> Any:
    if isinstance(value, str) and any(c in value for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise ValidationError("must be a single line (no line breaks)")
    return value


class SingleLine(fields.String):
    """Text that goes into a header (an e-mail subject): no line breaks, so no header
    can be injected; at most max_len characters."""

    def __init__(self, *, max_len: int = 200, **kw: Any):
        checks = [validate.Length(max=max_len), _single_line]
        super().__init__(validate=checks, **kw)
