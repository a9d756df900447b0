"""Validating one row of a leads import (no framework imports): the lead's name is required,
lengths are the leads table's, the e-mail must look like one. Duplicates are rows whose e-mail
(any case) or phone digits were seen before in the file or belong to an existing lead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.customer.domain.importfile import EMAIL, RowError
from services.customer.domain.normalize import phone_key

LEAD_COLUMNS = ("name", "company", "phone", "email", "source", "owner")
LEAD_MAX_LENGTHS = {"name": 200, "company": 300, "phone": 50, "email": 200, "source": 100, "owner": 200}


@dataclass(frozen=True)
class LeadRow:
    row: int
    name: str
    company: str | None
    phone: str | None
    email: str | None
    source: str | None
    owner: str | None
    owner_id: str | None = field(default=None, compare=False)
    cells: list[str] | None = field(default=None, compare=False, repr=False)

    @property
    def keys(self) -> list[str]:
        """What makes two leads the same: the e-mail in lower case, the phone's digits."""
        out = []
        if self.email:
            out.append("e:" + self.email.lower())
        if self.phone and phone_key(self.phone):
            out.append("p:" + phone_key(self.phone))
        return out


def validate_lead(number: int, values: dict[str, Any]) -> LeadRow | RowError:
    v = {col: (values.get(col) or "").strip() or None for col in LEAD_COLUMNS}
    if not v["name"]:
        return RowError("name is required", "name")
    for col, limit in LEAD_MAX_LENGTHS.items():
        if v[col] and len(v[col]) > limit:
            return RowError(f"{col} is longer than {limit} characters", col)
    if v["email"] and not EMAIL.match(v["email"]):
        return RowError(f"email is not an e-mail address: {v['email']}", "email")
    if v["phone"] and not phone_key(v["phone"]):
        return RowError(f"phone has no digits: {v['phone']}", "phone")
    return LeadRow(row=number, name=v["name"], company=v["company"], phone=v["phone"], email=v["email"],
                   source=v["source"], owner=v["owner"])
