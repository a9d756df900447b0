"""The rules of an opening-balance import's rows (no framework imports).

A row names a customer (matched by its normalised name among the customers billing knows),
an amount (> 0, at most two decimals; thousands separators and a currency sign allowed), an
as-of date (YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日; Excel date cells arrive as
ISO dates from shared.tabular; blank: the import's day, as POST /opening-balances) and a note.
Each customer gets one opening balance: a customer already having one, or named by an
earlier row of the file, makes the row an error."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.events.fields import MAX_MONEY, in_year_range
from shared.money import decimal_in_range

MAX_ROWS = 5000  # done within the request (opening balances: one per customer, entered once)
MAX_NOTE = 2000
_BLANKS = re.compile(r"\s+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_MONEY_NOISE = re.compile(r"[\s,，¥￥元]|^(?:cny|rmb)", re.IGNORECASE)


def normalise_name(name: str | None) -> str:
    """A customer's name as matched: NFKC (full-width letters and brackets folded), case
    folded, blanks dropped."""
    return _BLANKS.sub("", unicodedata.normalize("NFKC", name or "")).casefold()


@dataclass(frozen=True)
class RowError:
    """What is wrong with a row: the message, the field at fault, a code the portal words in
    the user's language (with `name`, the customer's name as the file gives it)."""

    message: str
    field: str | None = None
    code: str | None = None
    name: str | None = None

    def as_dict(self, row: int) -> dict[str, object]:
        out: dict[str, object] = {"row": row, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.code:
            out["code"] = self.code
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True)
class OpeningRow:
    customer_name: str
    amount: Decimal
    as_of: date | None
    note: str | None


def parse_amount(text: str) -> Decimal:
    """ValueError when the text is not an amount > 0 with at most two decimals."""
    cleaned = _MONEY_NOISE.sub("", (text or "").strip())
    if not cleaned:
        raise ValueError("is required")
    amount = decimal_in_range(cleaned, minimum=Decimal("0"), maximum=MAX_MONEY, places=2)
    if amount <= 0:
        raise ValueError("must be more than 0")
    return amount


def parse_day(text: str) -> date | None:
    """None for a blank cell; ValueError when the text is not a date in the agreed years."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    found = _DATE.match(text)
    if not found:
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        day = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise ValueError("is not a date of the calendar") from None
    if not in_year_range(day):
        raise ValueError("is outside the years the system accepts")
    return day


def check_row(values: Mapping[str, str]) -> OpeningRow | RowError:
    """The row's fields checked (not yet its customer)."""
    name = (values.get("customer_name") or "").strip()
    if not name:
        return RowError("the customer's name is missing", "customer_name", "missing_customer")
    try:
        amount = parse_amount(values.get("amount") or "")
    except ValueError as exc:
        return RowError(f"amount {exc}", "amount", "bad_amount")
    try:
        as_of = parse_day(values.get("as_of") or "")
    except ValueError as exc:
        return RowError(f"as_of {exc}", "as_of", "bad_date")
    note = (values.get("note") or "").strip() or None
    if note and len(note) > MAX_NOTE:
        return RowError(f"note is longer than {MAX_NOTE} characters", "note", "long_note")
    return OpeningRow(name, amount, as_of, note)


class CustomerIndex:
    """The customers by normalised name (several ids when names collide), those that have an
    opening balance already, and those taken by earlier rows of the file."""

    def __init__(self, customers: Iterable[tuple[str, str | None]], with_balance: Iterable[str]):
        self.by_name: dict[str, list[str]] = {}
        for customer_id, name in customers:
            key = normalise_name(name)
            if key:
                self.by_name.setdefault(key, []).append(customer_id)
        self.taken: set[str] = set(with_balance)
        self.in_file: dict[str, int] = {}

    def claim(self, name: str, row: int) -> str | RowError:
        """The customer's id for the row, or why the row cannot have it."""
        found = self.by_name.get(normalise_name(name), [])
        if not found:
            return RowError(f"no customer is named {name}", "customer_name", "unknown_customer", name)
        if len(found) > 1:
            return RowError(f"{len(found)} customers are named {name}; enter this one by hand", "customer_name",
                            "ambiguous_customer", name)
        customer_id = found[0]
        if customer_id in self.in_file:
            return RowError(f"{name} is on row {self.in_file[customer_id]} already", "customer_name",
                            "repeated_customer", name)
        if customer_id in self.taken:
            return RowError(f"{name} has an opening balance already", "customer_name", "has_opening_balance", name)
        self.in_file[customer_id] = row
        return customer_id
