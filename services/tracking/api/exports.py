"""Reports as files: `format=csv|xlsx` on a report endpoint answers the same rows (up to
EXPORT_MAX_ROWS, whatever the paging) through the shared tabular writers (formula-like
text neutralised), with column titles in the caller's language (Accept-Language zh*)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Response, request

from shared import tabular
from shared.errors import ValidationFailed

EXPORT_MAX_ROWS = 10_000
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    zh: str
    money: bool = False


def export_format() -> str | None:
    """The asked file format, None for JSON; 422 for anything else."""
    raw = request.args.get("format")
    if raw in (None, "", "json"):
        return None
    if raw not in FORMATS:
        raise ValidationFailed("invalid format", details={"format": ["one of csv, xlsx, json"]})
    return raw


def cell(value: Any, money: bool) -> Any:
    if money and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def table(columns: Sequence[Column], items: Sequence[dict[str, Any]], zh: bool) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a report: the columns' titles in one language, money as numbers."""
    header = [c.zh if zh else c.en for c in columns]
    rows = [[cell(item.get(c.key), c.money) for c in columns] for item in items]
    return header, rows


def file_response(fmt: str, name: str, columns: Sequence[Column], items: Sequence[dict[str, Any]]) -> Response:
    zh = (request.headers.get("Accept-Language") or "").lower().startswith("zh")
    header, rows = table(columns, items, zh)
    filename = f"{name}-{datetime.now(UTC).strftime('%Y%m%d')}.{fmt}"
    if fmt == "csv":
        body: bytes = "".join(tabular.csv_chunks(header, rows)).encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    else:
        body = tabular.xlsx_bytes(header, rows, sheet=name)
        mimetype = XLSX_TYPE
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
