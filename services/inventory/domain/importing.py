"""Reading product import files (CSV/TSV or XLSX) into numbered rows, and checking one row.
No framework imports: the API passes bytes in and gets rows and messages out. Files are read
by shared.tabular (its caps, XLSX without DTD/entities, cells as text without NUL; UTF-8 ± BOM,
UTF-16, GBK/GB18030); the contract's import is a background job held to the shared row cap
only, the legacy POST /products/imports (processed within its request) to MAX_ROWS. Which column fills which field is shared.import_mapping's (Chinese and English
headers: 编码/产品编号/货号/SKU, 名称/品名/Product Name, 规格/型号, 单位, 售价/单价/Price,
成本/Cost, 安全库存) or the caller's mapping {column: field or null}.
Prices follow the API's money rule: at most two decimal places, never rounded."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.events.fields import MAX_MONEY
from shared.import_mapping import FIELDS, Plan, open_file
from shared.money import decimal_in_range
from shared.tabular import ImportLimits, TableError

COLUMNS = FIELDS["products"]  # sku, name, spec, unit, list_price, cost_price, safety_stock
REQUIRED = ("sku", "name", "unit", "list_price")
MODES = ("create", "upsert")
MATCH_KEYS = ("sku", "name")
MAX_ROWS = 5000  # the legacy POST /products/imports only (processed within its request)
MAX_LENGTHS = {"sku": 80, "name": 300, "unit": 40, "spec": 300}

ImportFileError = TableError  # TableTooLarge (a subclass) past a cap


@dataclass(frozen=True)
class ProductFile:
    """A product file read: its header, the mapping used, and its non-blank data rows as
    (spreadsheet row number, cells) — the header is row 1."""

    header: list[str]
    mapping: dict[str, str | None]
    plan: Plan
    rows: list[tuple[int, list[str]]]

    @property
    def fields(self) -> set[str]:
        """The product fields some column fills."""
        return self.plan.fields

    def values(self, cells: list[str]) -> dict[str, str]:
        return self.plan.values(cells)


def open_products(filename: str, content: bytes, limits: ImportLimits | None = None, *, mapping: Any = None,
                  mode: str = "create", match_on: str = "sku", capped: bool = False) -> ProductFile:
    """The file read with the caller's mapping (MappingProblem when it names an unknown
    column or field) or the detected one. ImportFileError when the header lacks what the mode
    needs (create: sku, name, unit, list_price; upsert: the match key), TableTooLarge past a
    cap (rows: the limits', or with `capped` the smaller of them and MAX_ROWS)."""
    limits = limits or ImportLimits.from_env()
    if capped:
        limits = replace(limits, max_rows=min(limits.max_rows, MAX_ROWS))
    required = REQUIRED if mode == "create" else (match_on,)
    opened = open_file(content, filename, limits, kind="products", mapping=mapping, required=required)
    return ProductFile(header=opened.header, mapping=opened.mapping, plan=opened.plan, rows=list(opened.rows))


def read_rows(filename: str, content: bytes, limits: ImportLimits | None = None) -> list[tuple[int, dict[str, str]]]:
    """(row number, {field: text}) of each data row through the detected mapping."""
    opened = open_products(filename, content, limits, capped=True)
    return [(number, opened.values(cells)) for number, cells in opened.rows]


def _money(key: str, text: str) -> tuple[Decimal | None, str | None]:
    try:
        return decimal_in_range(text, minimum=Decimal(0), maximum=MAX_MONEY, places=2), None
    except ValueError as exc:
        return None, f"{key} {exc}"


def check_row(raw: dict[str, Any], *, new: bool = True) -> tuple[dict[str, Any] | None, str | None]:
    """(product fields, None) or (None, message) for one row. A new product needs sku, name,
    unit and list_price; a change (new=False) carries only the row's non-blank cells, so a
    blank or unmapped column leaves the product's value as it is."""
    row = {k: str(raw.get(k) or "").strip() or None for k in COLUMNS}
    if new:
        missing = [k for k in REQUIRED if not row[k]]
        if missing:
            return None, f"missing {', '.join(missing)}"
        out: dict[str, Any] = {"sku": row["sku"], "name": row["name"], "spec": row["spec"], "unit": row["unit"],
                               "list_price": None, "cost_price": None, "safety_stock": 0}
    else:
        out = {k: row[k] for k in ("sku", "name", "spec", "unit") if row[k] is not None}
    for key in ("list_price", "cost_price"):
        if row[key] is not None:
            out[key], message = _money(key, row[key])
            if message:
                return None, message
    if row["safety_stock"] is not None:
        try:
            safety = int(Decimal(row["safety_stock"]))
        except (InvalidOperation, ValueError, OverflowError):  # NaN, Infinity
            return None, "safety_stock is not a whole number"
        if safety < 0:
            return None, "safety_stock must not be negative"
        out["safety_stock"] = safety
    if any(len(out.get(k) or "") > size for k, size in MAX_LENGTHS.items()):
        return None, "a field is too long"
    return out, None


# ---- undo ------------------------------------------------------------------------------
# Why a product an import touched blocks the import's undo (the undo is all or nothing):
# a created product with stock moved, reserved by an order, on a purchase order or with a
# supplier price is in use; a changed product changed again after the import would lose
# that later change.
USE_REASONS = {
    "stock": "stock has moved",
    "order": "an order reserved it",
    "purchase": "it is on a purchase order",
    "supplier_price": "a supplier price names it",
    "changed": "it was changed after the import",
}
RESTORED = ("sku", "name", "spec", "unit", "list_price", "cost_price", "safety_stock")
MAX_REPORTED = 20


def prior_values(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The values `changes` replace, as JSON (money as text): what an undo writes back."""
    out: dict[str, Any] = {}
    for key in changes:
        if key in RESTORED and current.get(key) != changes[key]:
            value = current.get(key)
            out[key] = str(value) if isinstance(value, Decimal) else value
    return out


def restored(prior: dict[str, Any]) -> dict[str, Any]:
    """prior_values read back: the product fields to set again (money as Decimal)."""
    out = {k: v for k, v in prior.items() if k in RESTORED}
    for key in ("list_price", "cost_price"):
        if out.get(key) is not None:
            out[key] = Decimal(str(out[key]))
    return out


def undo_refusal(blockers: list[tuple[str, str]]) -> tuple[str, list[dict[str, str]]] | None:
    """None when nothing blocks the undo, else (message, [{sku, code, reason}] — at most
    MAX_REPORTED; code: the USE_REASONS key) for the 409 answer: every (sku, USE_REASONS key) found."""
    if not blockers:
        return None
    listed = [{"sku": sku, "code": why, "reason": USE_REASONS.get(why, why)}
              for sku, why in sorted(blockers)[:MAX_REPORTED]]
    skus = sorted({sku for sku, _ in blockers})
    shown = ", ".join(skus[:5]) + (f" and {len(skus) - 5} more" if len(skus) > 5 else "")
    return (f"the import cannot be undone: {len(skus)} of its products are in use or changed since ({shown}); "
            "nothing was undone"), listed
