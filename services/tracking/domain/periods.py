"""Dates and periods for the reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.events.fields import MAX_YEAR, MIN_YEAR, in_year_range

GRANULARITIES = ("month", "quarter", "year")
MAX_PERIODS = 240
DEFAULT_SPAN = {"month": 12, "quarter": 8, "year": 5}


class BadDate(ValueError):
    pass


def parse_instant(value: str, *, end_of_day: bool = False) -> datetime:
    """A query-string date ("2026-11-22") or ISO 8601 time -> aware UTC datetime.

    A bare date means the start of that day, or (end_of_day) the start of the next day,
    so that `to=2026-11-30` includes the whole 30th (ranges are half-open [from, to)).
    """
    raw = (value or "").strip()
    if not raw:
        raise BadDate("empty")
    if len(raw) > 64:
        raise BadDate("too long for a date or time")
    if len(raw) == 10:
        try:
            d = date.fromisoformat(raw)
        except ValueError:
            raise BadDate(f"not a date: {raw}") from None
        if not in_year_range(d):
            raise BadDate(f"not in the years {MIN_YEAR} to {MAX_YEAR}: {raw}")
        start = datetime.combine(d, time.min, tzinfo=UTC)
        return start + timedelta(days=1) if end_of_day else start
    # an unescaped "+" of an offset in a query string arrives as a space
    raw = re.sub(r"T(\S+) (\d{2}:\d{2})$", r"T\1+\2", raw)
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadDate(f"not an ISO 8601 date or time: {raw}") from None
    if not in_year_range(dt):  # before the shift to UTC, which overflows near year 1 and 9999
        raise BadDate(f"not in the years {MIN_YEAR} to {MAX_YEAR}: {raw}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_event_time(value: object, fallback: datetime | str) -> datetime:
    """A time carried in an event payload; the envelope's time when missing or unreadable."""
    for candidate in (value, fallback):
        if isinstance(candidate, datetime):
            return candidate if candidate.tzinfo else candidate.replace(tzinfo=UTC)
        if isinstance(candidate, str) and candidate:
            try:
                return parse_instant(candidate)
            except BadDate:
                continue
    return datetime.now(UTC)


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime  # exclusive


def period_start(moment: datetime, granularity: str) -> datetime:
    m = moment.astimezone(UTC)
    if granularity == "month":
        return datetime(m.year, m.month, 1, tzinfo=UTC)
    if granularity == "quarter":
        return datetime(m.year, 3 * ((m.month - 1) // 3) + 1, 1, tzinfo=UTC)
    if granularity == "year":
        return datetime(m.year, 1, 1, tzinfo=UTC)
    raise ValueError(f"unknown granularity {granularity}")


def _advance(start: datetime, granularity: str) -> datetime:
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    total = start.year * 12 + (start.month - 1) + months
    return datetime(total // 12, total % 12 + 1, 1, tzinfo=UTC)


def label(start: datetime, granularity: str) -> str:
    if granularity == "month":
        return f"{start.year}-{start.month:02d}"
    if granularity == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def periods(granularity: str, start: datetime, end: datetime) -> list[Period]:
    """Every period of the granularity that overlaps [start, end), oldest first."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity}")
    out: list[Period] = []
    cursor = period_start(start, granularity)
    while cursor < end:
        nxt = _advance(cursor, granularity)
        out.append(Period(label(cursor, granularity), cursor, nxt))
        if len(out) > MAX_PERIODS:
            raise ValueError(f"more than {MAX_PERIODS} periods")
        cursor = nxt
    return out


def default_range(granularity: str, now: datetime) -> tuple[datetime, datetime]:
    """The last N periods up to and including the current one."""
    end = _advance(period_start(now, granularity), granularity)
    start = end
    for _ in range(DEFAULT_SPAN[granularity]):
        months = {"month": 1, "quarter": 3, "year": 12}[granularity]
        total = start.year * 12 + (start.month - 1) - months
        start = datetime(total // 12, total % 12 + 1, 1, tzinfo=UTC)
    return start, end


def is_month(value: str) -> bool:
    """'2026-11': a month YYYY-MM in the agreed years (1901-2999)."""
    digits = value[:4] + value[5:]
    if len(value) != 7 or value[4] != "-" or not (digits.isascii() and digits.isdigit()):
        return False
    return 1901 <= int(value[:4]) <= 2999 and 1 <= int(value[5:]) <= 12
