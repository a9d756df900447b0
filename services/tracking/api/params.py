"""Query-string parsing shared by tracking's endpoints (422 with per-field details)."""

from __future__ import annotations

from datetime import datetime

from flask import request

from services.tracking.domain import cursor as cursor_codec
from services.tracking.domain.periods import BadDate, parse_instant
from shared.errors import ValidationFailed
from shared.web import MAX_PAGE, uuid_arg, whole_arg

REPORT_MAX_PER_PAGE = 200
MAX_OFFSET = 10_000  # deeper pages must use the `before` cursor (no deep OFFSET scans)


def period_args(required: bool = False) -> tuple[datetime | None, datetime | None]:
    """from / to as a half-open range [from, to); a bare date `to` includes that whole day."""
    details: dict[str, list[str]] = {}
    values: dict[str, datetime | None] = {"from": None, "to": None}
    for name in ("from", "to"):
        raw = request.args.get(name)
        if raw in (None, ""):
            if required:
                details[name] = ["required"]
            continue
        try:
            values[name] = parse_instant(raw, end_of_day=(name == "to"))
        except BadDate:
            details[name] = ["must be a date (YYYY-MM-DD) or an ISO 8601 time with offset"]
    start, end = values["from"], values["to"]
    if not details and start and end and start >= end:
        details["to"] = ["must be after from"]
    if details:
        raise ValidationFailed("invalid period", details=details)
    return start, end


def cursor_arg(name: str = "before") -> tuple[datetime, int] | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return cursor_codec.decode(raw)
    except cursor_codec.BadCursor:
        raise ValidationFailed("invalid cursor", details={name: ["not a cursor returned by this service"]}) from None


def check_offset(page: int, per_page: int) -> None:
    if (page - 1) * per_page > MAX_OFFSET:
        raise ValidationFailed(
            "page too deep", details={"page": [f"pages past {MAX_OFFSET} entries need the `before` cursor "
                                               "(next_cursor of the previous page)"]})


def report_page_args() -> tuple[int, int]:
    details: dict[str, list[str]] = {}
    page = whole_arg("page", 1, 1, MAX_PAGE, details)
    per_page = whole_arg("per_page", REPORT_MAX_PER_PAGE, 1, REPORT_MAX_PER_PAGE, details)
    if details:
        raise ValidationFailed("invalid paging", details=details)
    return page, per_page


def text_arg(name: str, max_len: int = 120) -> str | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if len(raw) > max_len:
        raise ValidationFailed("invalid filter", details={name: [f"at most {max_len} characters"]})
    return raw


def id_arg(name: str) -> str | None:
    return uuid_arg(request.args.get(name), name)
