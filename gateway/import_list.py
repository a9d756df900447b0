"""GET /imports through the gateway: one list of the caller's imports from the customer
service (customers, leads), inventory (products) and billing (opening balances), newest
first, paged as any list.

Each service is asked, as the caller, for its own newest imports — as many as the asked page
needs (page × per_page), in pages of MAX_PER_PAGE — and the lists are merged by
(created_at, id) descending; `total` is the sum of their totals. Each service applies its
own visibility, so the merged list shows nothing a service would not. An error answer of
either service (4xx/5xx) is the answer. Imports are few per user, so the cost of a deep page
(page × per_page rows read from each service) stays small."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request

from shared.web import page_args

MAX_PER_PAGE = 200  # shared.web's page_args cap in every service

Fetch = Callable[[str, str, str], Response]  # (service, path, query) -> the service's answer


def newest(fetch: Fetch, service: str, path: str, need: int) -> tuple[list[dict[str, Any]], int] | Response:
    """Up to `need` of the service's newest imports and its total, or its error answer."""
    items: list[dict[str, Any]] = []
    page, total = 1, 0
    while True:
        answer = fetch(service, path, f"page={page}&per_page={MAX_PER_PAGE}")
        if answer.status_code != 200:
            return answer
        body = json.loads(answer.get_data())
        items.extend(body["items"])
        total = int(body["total"])
        if len(items) >= need or page * MAX_PER_PAGE >= total or not body["items"]:
            return items[:need], total
        page += 1


def merged(fetch: Fetch, sources: tuple[tuple[str, str], ...]) -> Response:
    """The page asked for (page, per_page in the query string) of the sources' imports."""
    page, per_page = page_args()
    need = page * per_page
    items: list[dict[str, Any]] = []
    total = 0
    for service, path in sources:
        got = newest(fetch, service, path, need)
        if isinstance(got, Response):
            return got
        items.extend(got[0])
        total += got[1]
    items.sort(key=_newest_first, reverse=True)
    start = (page - 1) * per_page
    return jsonify({"items": items[start: start + per_page], "total": total, "page": page, "per_page": per_page})


def _newest_first(item: dict[str, Any]) -> tuple[datetime, str]:
    when = item.get("created_at")
    try:
        at = datetime.fromisoformat(when) if when else _EPOCH
    except ValueError:
        at = _EPOCH
    return (at if at.tzinfo else at.replace(tzinfo=UTC)), str(item.get("id") or "")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_import_list(path: str) -> bool:
    return request.method == "GET" and path.strip("/") == "imports"
