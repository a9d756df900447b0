"""Reading product import files (CSV or XLSX) into row dicts, and checking one row.
No framework imports: the API passes bytes in and gets rows and messages out. Files are read
by shared.tabular within its caps (bytes, unzipped bytes, XLSX without DTD/entities) and at
most MAX_ROWS data rows (the import runs in one request and one transaction)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.money import cents
from shared.tabular import ImportLimits, TableError, read_table

COLUMNS = ("sku", "name", "spec", "unit", "list_price", "cost_price", "safety_stock")
REQUIRED = ("sku", "name", "unit", "list_price")
MAX_ROWS = 5000

# Chinese headers accepted as well as the English ones.
ALIASES = {"编码": "sku", "产品编码": "sku", "名称": "name", "产品名称": "name", "规格": "spec", "单位": "unit",
           "价格": "list_price", "售价": "list_price", "成本价": "cost_price", "安全库存": "safety_stock"}


ImportFileError = TableError  # TableTooLarge (a subclass) past a cap


def _header(cells: list[Any]) -> list[str]:
    names = [ALIASES.get(str(c or "").strip(), str(c or "").strip().lower()) for c in cells]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFileError(f"the header row lacks: {', '.join(missing)}")
    return names


def _rows(header: list[str], records: list[list[Any]]) -> list[dict[str, Any]]:
    out = []
    for record in records:
        if not any(str(c or "").strip() for c in record):
            continue
        out.append({name: record[i] if i < len(record) else None for i, name in enumerate(header) if name in COLUMNS})
    return out


def read_rows(filename: str, content: bytes, limits: ImportLimits | None = None) -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8, with or without BOM; GBK accepted) or XLSX file. Raises
    ImportFileError, TableTooLarge past a cap (rows: the smaller of MAX_ROWS and the limits')."""
    limits = limits or ImportLimits.from_env()
    limits = replace(limits, max_rows=min(limits.max_rows, MAX_ROWS))
    records = list(read_table(content, filename, limits))
    if not records:
        raise ImportFileError("the file is empty")
    return _rows(_header(records[0]), records[1:])


def _text(value: Any) -> str | None:
    """A cell as text; NUL characters dropped (PostgreSQL cannot store them in text)."""
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def check_row(raw: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(product fields, None) or (None, message) for one row."""
    row = {k: _text(raw.get(k)) for k in COLUMNS}
    missing = [k for k in REQUIRED if not row[k]]
    if missing:
        return None, f"missing {', '.join(missing)}"
    if any("\x00" in text for text in row.values() if text):
        return None, "a field contains a NUL character"
    out: dict[str, Any] = {"sku": row["sku"], "name": row["name"], "spec": row["spec"], "unit": row["unit"]}
    for key in ("list_price", "cost_price"):
        if row[key] is None:
            out[key] = None
            continue
        try:
            amount = Decimal(row[key])
        except InvalidOperation:
            return None, f"{key} is not a number"
        if not amount.is_finite() or amount < 0:
            return None, f"{key} must be a non-negative number"
        out[key] = cents(amount)
    try:
        safety = int(Decimal(row["safety_stock"])) if row["safety_stock"] else 0
    except (InvalidOperation, ValueError):
        return None, "safety_stock is not a whole number"
    if safety < 0:
        return None, "safety_stock must not be negative"
    out["safety_stock"] = safety
    if len(out["sku"]) > 80 or len(out["name"]) > 300 or len(out["unit"]) > 40 or len(out["spec"] or "") > 300:
        return None, "a field is too long"
    return out, None
