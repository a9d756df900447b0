"""The timeline's keyset cursor: the (occurred_at, seq) of the last entry of a page,
as an opaque URL-safe string. The next page is everything strictly older."""

from __future__ import annotations

import base64
from datetime import datetime

from shared.events.fields import MAX_YEAR, MIN_YEAR

MAX_CURSOR_LENGTH = 120  # an encoded cursor is about 60 characters
MAX_SEQ = 2**63 - 1      # BIGINT


class BadCursor(ValueError):
    pass


def encode(occurred_at: datetime, seq: int) -> str:
    raw = f"{occurred_at.isoformat()}|{int(seq)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    """(occurred_at, seq) of a cursor made by encode(); BadCursor for anything else: too
    long, not base64, a time outside the agreed years or a seq no BIGINT holds."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor("not a cursor returned by this service")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        stamp, seq = raw.rsplit("|", 1)
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        number = int(seq)
        if not (0 <= number <= MAX_SEQ and MIN_YEAR <= moment.year <= MAX_YEAR):
            raise ValueError("out of range")
        return moment, number
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("not a cursor returned by this service") from exc
