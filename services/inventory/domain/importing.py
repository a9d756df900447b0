"""Reading product import files (CSV or XLSX) into numbered rows, and checking one row.
No framework imports: the API passes bytes in and gets rows and messages out. Files are read
by shared.tabular (read_records: its caps, XLSX without DTD/entities, cells as text without
NUL) and at most MAX_ROWS data rows (the import runs in one request and one transaction).
Prices follow the API's money rule: at most two decimal places, never rounded."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.events.fields import MAX_MONEY
from shared.money import decimal_in_range
from shared.tabular import ImportLimits, TableError, read_records

COLUMNS = ("sku", "name", "spec", "unit", "list_price", "cost_price", "safety_stock")
REQUIRED = ("sku", "name", "unit", "list_price")
MAX_ROWS = 5000

# Chinese headers accepted as well as the English ones.
ALIASES = {"编码": "sku", "产品编码": "sku", "名称": "name", "产品名称": "name", "规格": "spec", "单位": "unit",
           "价格": "list_price", "售价": "list_price", "成本价": "cost_price", "安全库存": "safety_stock"}


ImportFileError = TableError  # TableTooLarge (a subclass) past a cap


def read_rows(filename: str, content: bytes, limits: ImportLimits | None = None) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) of a CSV (UTF-8, with or without BOM; GBK accepted) or
    XLSX file. Raises ImportFileError, TableTooLarge past a cap (rows: the smaller of
    MAX_ROWS and the limits')."""
    limits = limits or ImportLimits.from_env()
    limits = replace(limits, max_rows=min(limits.max_rows, MAX_ROWS))
    return list(read_records(content, filename, limits, columns=COLUMNS, aliases=ALIASES, required=REQUIRED))


def check_row(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(product fields, None) or (None, message) for one row."""
    row = {k: str(raw.get(k) or "").strip() or None for k in COLUMNS}
    missing = [k for k in REQUIRED if not row[k]]
    if missing:
        return None, f"missing {', '.join(missing)}"
    out: dict[str, Any] = {"sku": row["sku"], "name": row["name"], "spec": row["spec"], "unit": row["unit"]}
    for key in ("list_price", "cost_price"):
        if row[key] is None:
            out[key] = None
            continue
        try:
            out[key] = decimal_in_range(row[key], minimum=Decimal(0), maximum=MAX_MONEY, places=2)
        except ValueError as exc:
            return None, f"{key} {exc}"
    try:
        safety = int(Decimal(row["safety_stock"])) if row["safety_stock"] else 0
    except (InvalidOperation, ValueError, OverflowError):  # NaN, Infinity
        return None, "safety_stock is not a whole number"
    if safety < 0:
        return None, "safety_stock must not be negative"
    out["safety_stock"] = safety
    if len(out["sku"]) > 80 or len(out["name"]) > 300 or len(out["unit"]) > 40 or len(out["spec"] or "") > 300:
        return None, "a field is too long"
    return out, None
