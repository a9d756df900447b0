"""Reading an import file (CSV/TSV in UTF-8 with or without BOM, UTF-16 or GBK/GB18030, the
delimiter sniffed; XLSX) into numbered rows through a column mapping (detected from the header,
or the caller's: shared/import_mapping.py), and validating one row. Row numbers are the
spreadsheet's: the header is row 1, the first data row is row 2. A row's problem is a RowError:
the message, with the field it is about."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.customer.domain.normalize import name_key, phone_key, search_text
from services.customer.domain.rules import FieldDef, validate_custom_fields
from shared import import_mapping as mapping_rules
from shared.import_mapping import ImportFile, MappingProblem, open_file
from shared.tabular import ImportLimits, TableError

COLUMNS = ("name", "industry", "phone", "address", "category", "contact_name", "contact_phone", "contact_email")
# What an import row may carry besides COLUMNS (custom fields apart).
EXTRA = ("website", "external_id", "owner")
MAX_LENGTHS = {"name": 300, "industry": 100, "phone": 50, "address": 500, "category": 50,
               "contact_name": 200, "contact_phone": 50, "contact_email": 200, "website": 300,
               "external_id": 200, "owner": 200}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The file as a whole cannot be imported (encoding, format, header; TableTooLarge past a cap).
FileProblem = TableError
__all__ = ["FileProblem", "ImportFile", "MappingProblem", "open_file"]


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
    website: str | None = None
    external_id: str | None = None
    owner: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    owner_id: str | None = field(default=None, compare=False)  # the owner resolved (import_batch)
    cells: list[str] | None = field(default=None, compare=False, repr=False)  # the file's cells

    @property
    def email_key(self) -> str | None:
        return self.contact_email.lower() if self.contact_email else None


class RowError(str):
    """A row's problem: the message (a str, so callers may treat it as one) and the field."""

    field: str | None

    def __new__(cls, message: str, field_name: str | None = None) -> RowError:
        made = super().__new__(cls, message)
        made.field = field_name
        return made


def read_rows(data: bytes, filename: str = "",
              limits: ImportLimits | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {field: text}) for each non-blank data row through the detected mapping,
    within the import caps (shared.tabular.read_table: rows, bytes, XLSX refused with a DTD or
    past the unzipped cap, cells as text without NUL)."""
    opened = open_file(data, filename, limits)
    return ((number, opened.plan.values(cells)) for number, cells in opened.rows)


def validate_row(number: int, values: dict[str, Any], *, require_name: bool = True,
                 custom_defs: dict[str, FieldDef] | None = None) -> ImportRow | RowError:
    """The clean row, or its RowError. require_name=False (an upsert matching on another
    key) lets a row without a name through: it can update, not create."""
    v = {col: (values.get(col) or "").strip() or None for col in (*COLUMNS, *EXTRA)}
    if not v["name"] and require_name:
        return RowError("name is required", "name")
    bad = next((col for col, text in v.items() if text and "\x00" in text), None)
    if bad:
        return RowError(f"{bad} contains a NUL character", bad)
    for col, limit in MAX_LENGTHS.items():
        if v[col] and len(v[col]) > limit:
            return RowError(f"{col} is longer than {limit} characters", col)
    key = name_key(v["name"]) if v["name"] else ""
    if v["name"] and not key:
        return RowError("name has no letters or digits", "name")
    if v["contact_email"] and not EMAIL.match(v["contact_email"]):
        return RowError(f"contact_email is not an e-mail address: {v['contact_email']}", "contact_email")
    if (v["contact_phone"] or v["contact_email"]) and not v["contact_name"]:
        return RowError("contact_phone/contact_email given without contact_name", "contact_name")
    if v["phone"] and not phone_key(v["phone"]):
        return RowError(f"phone has no digits: {v['phone']}", "phone")
    custom: dict[str, Any] = {}
    if values.get("custom_fields"):
        custom, errors = validate_custom_fields(custom_defs or {}, values["custom_fields"], require_all=False)
        if errors:
            name, problems = next(iter(errors.items()))
            return RowError(f"{name} {problems[0]}", mapping_rules.CUSTOM_PREFIX + name)
    return ImportRow(
        row=number, name=v["name"] or "", name_key=key, search_text=search_text(v["name"]),
        industry=v["industry"], phone=v["phone"], phone_key=phone_key(v["phone"]) or None,
        address=v["address"], category=v["category"], contact_name=v["contact_name"],
        contact_phone=v["contact_phone"], contact_email=v["contact_email"], website=v["website"],
        external_id=v["external_id"], owner=v["owner"], custom_fields=custom,
    )


def preview(data: bytes, filename: str = "", limits: ImportLimits | None = None, rows: int = 10, *,
            kind: str = "customers", mapping: Any = None, custom_fields: Sequence[str] = ()) -> dict[str, Any]:
    """What an import would read, before it runs: the columns, the mapping (detected or the
    caller's: {column: field or null}), the unmapped columns, the first rows as the file has
    them (`rows`, lists of cells) and as they would be imported (`records`), the encoding and
    the delimiter, and `columns_by_field` ({field: its columns, joined}).
    A file that can't be imported raises FileProblem (MappingProblem for a bad mapping)."""
    opened = open_file(data, filename, limits, kind=kind, mapping=mapping, custom_fields=custom_fields,
                       required=())
    first: list[tuple[int, list[str]]] = []
    for item in opened.rows:
        first.append(item)
        if len(first) >= rows:
            break
    width = len(opened.header)
    mapped_fields = opened.plan.fields
    missing = [f for f in REQUIRED.get(kind, ()) if f not in mapped_fields]
    return {
        "kind": kind, "columns": opened.header, "mapping": {h: opened.mapping.get(h) for h in opened.header if h},
        "unmapped": [h for h in opened.header if h and not opened.mapping.get(h)],
        "fields": list(mapping_rules.FIELDS[kind]), "missing": missing,
        "rows": [(cells + [""] * width)[:width] for _n, cells in first],
        "records": [{"row": n, **opened.plan.values(cells)} for n, cells in first],
        "encoding": opened.encoding, "delimiter": opened.delimiter,
        "columns_by_field": {f: ", ".join(c) for f, c in opened.plan.columns.items()},
    }


def legacy_preview(answer: dict[str, Any], rows: int = 5) -> dict[str, Any]:
    """The older /imports/customers/preview shape: header, {field: column}, ignored columns
    and the first rows as records. FileProblem when no column gives the name."""
    if answer["missing"]:
        raise FileProblem(f"the header row lacks: {', '.join(answer['missing'])}")
    return {"header": answer["columns"], "columns": answer["columns_by_field"], "ignored": answer["unmapped"],
            "rows": answer["records"][:rows]}


REQUIRED = {"customers": ("name",), "leads": ("name",), "products": ("sku", "name"),
            "opening-balances": ("customer_name", "amount")}
__all__ = ["COLUMNS", "FileProblem", "ImportFile", "ImportRow", "MappingProblem", "RowError", "legacy_preview",
           "open_file", "preview", "read_rows", "validate_row"]
