"""Reading an import file (CSV in UTF-8 with or without BOM or GBK/GB18030; XLSX) into
numbered rows, and validating one row. Row numbers are the spreadsheet's: the header is
row 1, the first data row is row 2."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.customer.domain.normalize import name_key, phone_key, search_text
from shared.tabular import ImportLimits, TableError, cell_text, header_map, read_records, read_table

COLUMNS = ("name", "industry", "phone", "address", "category", "contact_name", "contact_phone", "contact_email")
ALIASES = {
    "客户名称": "name", "客户": "name", "名称": "name", "公司名称": "name",
    "行业": "industry", "电话": "phone", "客户电话": "phone", "地址": "address",
    "分类": "category", "类别": "category", "客户分类": "category",
    "联系人": "contact_name", "联系人姓名": "contact_name",
    "联系人电话": "contact_phone", "手机": "contact_phone",
    "联系人邮箱": "contact_email", "邮箱": "contact_email",
}
MAX_LENGTHS = {"name": 300, "industry": 100, "phone": 50, "address": 500, "category": 50,
               "contact_name": 200, "contact_phone": 50, "contact_email": 200}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The file as a whole cannot be imported (encoding, format, header; TableTooLarge past a cap).
FileProblem = TableError


@dataclass(frozen=True)
class ImportRow:
    row: int
    name: str
    name_key: str
    search_text: str
    industry: str | None
    phone: str | None
    phone_key: str | None
    address: str | None
    category: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None


def read_rows(data: bytes, filename: str = "",
              limits: ImportLimits | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each non-blank data row, within the import caps
    (shared.tabular.read_records: rows, bytes, XLSX refused with a DTD or past the
    unzipped cap, cells as text without NUL)."""
    return read_records(data, filename, limits, columns=COLUMNS, aliases=ALIASES, required=("name",))


def validate_row(number: int, values: dict[str, str]) -> ImportRow | str:
    """The clean row, or the error message for it."""
    v = {col: (values.get(col) or "").strip() or None for col in COLUMNS}
    if not v["name"]:
        return "name is required"
    bad = next((col for col, text in v.items() if text and "\x00" in text), None)
    if bad:
        return f"{bad} contains a NUL character"
    for col, limit in MAX_LENGTHS.items():
        if v[col] and len(v[col]) > limit:
            return f"{col} is longer than {limit} characters"
    key = name_key(v["name"])
    if not key:
        return "name has no letters or digits"
    if v["contact_email"] and not EMAIL.match(v["contact_email"]):
        return f"contact_email is not an e-mail address: {v['contact_email']}"
    if (v["contact_phone"] or v["contact_email"]) and not v["contact_name"]:
        return "contact_phone/contact_email given without contact_name"
    if v["phone"] and not phone_key(v["phone"]):
        return f"phone has no digits: {v['phone']}"
    return ImportRow(
        row=number, name=v["name"], name_key=key, search_text=search_text(v["name"]),
        industry=v["industry"], phone=v["phone"], phone_key=phone_key(v["phone"]) or None,
        address=v["address"], category=v["category"], contact_name=v["contact_name"],
        contact_phone=v["contact_phone"], contact_email=v["contact_email"],
    )


def preview(data: bytes, filename: str = "", limits: ImportLimits | None = None, rows: int = 5) -> dict[str, Any]:
    """What an import would read, before it runs: the header, which of our columns each
    header cell fills (and which are ignored), and the first data rows as they would be
    imported (the same reading as read_rows). A file that can't be imported raises FileProblem."""
    table = ([cell_text(v) for v in raw] for raw in read_table(data, filename, limits))
    header = next(table, None)
    if header is None:
        raise FileProblem("the file is empty")
    mapping = header_map(header, COLUMNS, ALIASES)
    if "name" not in mapping:
        raise FileProblem("the header row lacks: name")
    first = []
    for number, raw in enumerate(table, start=2):
        if not any(raw):
            continue
        first.append({"row": number, **{col: (raw[i] if i < len(raw) else "") for col, i in mapping.items()}})
        if len(first) >= rows:
            break
    used = set(mapping.values())
    return {"header": header, "columns": {col: header[i] for col, i in mapping.items()},
            "ignored": [h for i, h in enumerate(header) if i not in used and h], "rows": first}
