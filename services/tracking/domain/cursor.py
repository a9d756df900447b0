"""The timeline's keyset cursor: the (occurred_at, seq) of the last entry of a page,
as an opaque URL-safe string. The next page is everything strictly older."""

from __future__ import annotations

import base64
from datetime import datetime


class BadCursor(ValueError):
    pass


def encode(occurred_at: datetime, seq: int) -> str:
    raw = f"{occurred_at.isoformat()}|{int(seq)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        stamp, seq = raw.rsplit("|", 1)
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment, int(seq)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("not a cursor returned by this service") from exc
